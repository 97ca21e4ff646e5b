"""The tensor-in/tensor-out inference network agrees with mmseg's prediction path."""
import pytest
import torch
from mmseg.structures import SegDataSample

from cdkd.apis import ChangeProbabilityNet, change_threshold
from cdkd.registry import MODELS
from tests.test_models.test_gold_change_detector import tiny_gold
from tests.test_models.tiny import tiny_detector


@pytest.mark.parametrize('single_logit', [False, True])
def test_matches_mmseg_test_step(single_logit):
    torch.manual_seed(0)
    model = MODELS.build(tiny_detector(single_logit=single_logit, threshold=0.4)).eval()
    inputs = torch.randint(0, 256, (6, 64, 96), dtype=torch.uint8)
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(64, 96), ori_shape=(64, 96)))
    with torch.no_grad():
        result = model.test_step(dict(inputs=[inputs], data_samples=[sample]))[0]
        prob = ChangeProbabilityNet(model)(inputs[None].float())
    assert prob.shape == (1, 1, 64, 96)
    logits = result.seg_logits.data
    reference = logits[0] if single_logit else logits.softmax(0)[1]
    torch.testing.assert_close(prob[0, 0], reference, atol=1e-5, rtol=0)
    threshold = change_threshold(model)
    assert threshold == (0.4 if single_logit else 0.5)
    pred = result.pred_sem_seg.data[0]
    agree = ((prob[0, 0] > threshold).long() == pred).float().mean()
    assert agree == 1.0


def test_export_module_defaults_to_the_detector():
    model = MODELS.build(tiny_detector())
    assert model.export_module() is model
    assert ChangeProbabilityNet(model).network is model


def test_gold_predicts_from_a_and_b_with_their_statistics():
    """GOLD's preprocessor covers A + B + C; the deployed net takes A + B only."""
    torch.manual_seed(0)
    model = tiny_gold().eval()
    model.data_preprocessor.mean[4:] = 1000.0  # C's statistics must not be used
    net = ChangeProbabilityNet(model).eval()
    assert net.temporal_bands == (3, 1)
    assert net.mean.shape == (1, 4, 1, 1)
    inputs = torch.randint(0, 256, (4, 64, 64), dtype=torch.uint8)
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64)))
    with torch.no_grad():
        result = model.test_step(dict(inputs=[inputs], data_samples=[sample]))[0]
        prob = net(inputs[None].float())
    torch.testing.assert_close(prob[0, 0], result.seg_logits.data.softmax(0)[1], atol=1e-5,
                               rtol=0)
