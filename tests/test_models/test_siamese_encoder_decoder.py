import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.registry import MODELS

from .tiny import tiny_backbone, tiny_detector


def make_batch(n=2, bands=(3, 3), size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (sum(bands), size, size), generator=g, dtype=torch.uint8))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 2, (1, size, size), generator=g))
        sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('policy', ['concat', 'diff', 'abs_diff'])
@pytest.mark.parametrize('single_logit', [False, True])
def test_train_step_and_predict(policy, single_logit):
    torch.manual_seed(0)
    model = MODELS.build(tiny_detector(policy, single_logit))
    batch = make_batch()
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    grads = [p.grad for p in model.backbone.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)

    model.eval()
    with torch.no_grad():
        preds = model.test_step(make_batch())
    for pred in preds:
        assert pred.pred_sem_seg.data.shape == (1, 64, 64)
        assert set(pred.pred_sem_seg.data.unique().tolist()) <= {0, 1}
        assert pred.seg_logits.data.shape[0] == (1 if single_logit else 2)


def test_single_logit_threshold_applied_once():
    """A single-logit head's probabilities are thresholded at `threshold`, after one sigmoid."""
    model = MODELS.build(tiny_detector(single_logit=True, threshold=0.7))
    model.eval()
    conv = model.decode_head.conv_seg
    for logit, expected in [(0.5, 0), (1.0, 1)]:  # sigmoid(0.5)=0.62 < 0.7 < sigmoid(1)=0.73
        torch.nn.init.zeros_(conv.weight)
        torch.nn.init.constant_(conv.bias, logit)
        with torch.no_grad():
            pred = model.test_step(make_batch(n=1))[0]
        probs = pred.seg_logits.data
        assert torch.allclose(probs, torch.sigmoid(torch.tensor(logit)).expand_as(probs), atol=1e-6)
        assert (pred.pred_sem_seg.data == expected).all()


def test_shared_encoder_matches_separate_calls_in_eval():
    model = MODELS.build(tiny_detector()).eval()
    x = model.data_preprocessor(make_batch(), training=False)['inputs']
    feats1, feats2 = model.extract_temporal_feats(x)
    with torch.no_grad():
        ref1 = model.backbone(x[:, :3])
        ref2 = model.backbone(x[:, 3:])
    for a, b in zip(feats1 + feats2, ref1 + ref2):
        assert torch.allclose(a, b, atol=1e-5)


def test_pseudo_siamese_optical_sar():
    model = MODELS.build(tiny_detector(temporal_bands=(3, 1), backbone_t2=tiny_backbone(1)))
    batch = make_batch(bands=(3, 1))
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    sum(losses.values()).backward()
    assert model.backbone_t2.stem[0].weight.grad is not None
    assert model.backbone_t2.stem[0].weight.shape[1] == 1


def test_band_mismatch_errors_name_the_problem():
    with pytest.raises(ValueError, match='backbone_t2'):
        MODELS.build(tiny_detector(temporal_bands=(3, 1)))
    model = MODELS.build(tiny_detector())
    with pytest.raises(ValueError, match='6'):
        model.data_preprocessor(make_batch(bands=(3, 1)), training=False)
