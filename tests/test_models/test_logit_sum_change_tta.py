"""LogitSumChangeTTA = KD-MSI's official stage-2 test (inference_change_detection.py:134-189)."""
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from cdkd.apis import ChangeProbabilityNet
from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_backbone

SCALES = (0.5, 1.0, 1.5, 2.0)


def tiny_stage2():
    backbone = dict(tiny_backbone(), norm_eval=True)
    cfg = dict(
        type='SiameseEncoderDecoder',
        data_preprocessor=dict(type='ChangeDataPreProcessor', temporal_bands=(3, 3),
                               mean=[127.5] * 6, std=[127.5] * 6, size_divisor=16),
        backbone=backbone, neck=dict(type='FeatureFusionNeck', policy='diff'),
        decode_head=dict(type='PlainASPPPlusHead', in_channels=64, in_index=3, channels=16,
                         c1_in_channels=8, c1_channels=4, num_classes=2, dropout_ratio=0.1,
                         norm_cfg=dict(type='GN', num_groups=4), align_corners=True,
                         loss_decode=dict(type='CrossEntropyLoss')),
        test_cfg=dict(mode='whole'))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def official_logit_sum(model, x):
    """Independent: per scale, bicubic (PIL-like) views + width flip, the model's logits at the
    view size, bilinearly resized to the input size, l[0] + l[1].flip(-1); sum over scales,
    softmax over the classes, argmax."""
    h, w = x.shape[-2:]
    total = 0
    for s in SCALES:
        v = F.interpolate(x, size=(round(h * s), round(w * s)), mode='bicubic',
                          align_corners=False, antialias=True)
        views = torch.cat([v, v.flip(-1)])
        metas = [dict(img_shape=views.shape[-2:], pad_shape=views.shape[-2:],
                      ori_shape=views.shape[-2:])] * 2
        logits = F.interpolate(model.encode_decode(views, metas), size=(h, w), mode='bilinear',
                               align_corners=False)
        total = total + logits[0] + logits[1].flip(-1)
    probs = F.softmax(total, dim=0)
    return probs[1], probs.argmax(dim=0)


def test_equals_an_independent_logit_sum_implementation():
    model = tiny_stage2()
    tta = MODELS.build(dict(type='LogitSumChangeTTA', module=model))
    x = torch.randn(1, 6, 48, 48)
    with torch.no_grad():
        prob, pred = official_logit_sum(model, x)
        ours = tta.change_probability(x)[0]
        torch.testing.assert_close(ours, prob, atol=1e-6, rtol=0)
        packed = tta.predict(x, [SegDataSample(metainfo=dict(img_shape=(48, 48),
                                                             ori_shape=(48, 48)))])[0]
        assert torch.equal(packed.pred_sem_seg.data[0], pred)
        # it is not the mean of the per-view probabilities (MSI)
        msi = MODELS.build(dict(type='MultiScaleChangeTTA', module=model, scales=SCALES,
                                antialias=True)).change_probability(x)[0]
        assert (msi - prob).abs().max() > 1e-4


def test_test_step_and_tile_path_use_the_detector_preprocessor():
    model = tiny_stage2()
    tta = MODELS.build(dict(type='LogitSumChangeTTA', module=model))
    raw = torch.randint(0, 256, (6, 32, 32), dtype=torch.uint8)
    batch = dict(inputs=[raw], data_samples=[SegDataSample(metainfo=dict(
        img_shape=(32, 32), ori_shape=(32, 32)))])
    with torch.no_grad():
        out = tta.test_step(batch)[0].seg_logits.data[0]
        normalised = (raw.float() - 127.5) / 127.5
        prob, _ = official_logit_sum(model, normalised[None])
        torch.testing.assert_close(out, prob, atol=1e-6, rtol=0)
        tile = ChangeProbabilityNet(model, tta)(raw[None].float())[0, 0]  # infer_scene --tta
        torch.testing.assert_close(tile, prob, atol=1e-6, rtol=0)
