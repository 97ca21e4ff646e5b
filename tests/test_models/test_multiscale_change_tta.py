"""MultiScaleChangeTTA: MSI / MI formulas, undoing flips and resizes, sigmoid exactly once."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmseg.structures import SegDataSample
from torch import nn

from cdkd.models.tta import MultiScaleChangeTTA
from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_detector


class FixedLogitModel(BaseModel):
    """A 'detector' whose raw logits are ``fn(view)``; records the view sizes it saw."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.sizes = []
        self.dummy = nn.Parameter(torch.zeros(()))

    def encode_decode(self, inputs, batch_img_metas):
        self.sizes.append(tuple(inputs.shape))
        assert batch_img_metas[0]['img_shape'] == tuple(inputs.shape[-2:])
        return self.fn(inputs)

    def forward(self, *args, **kwargs):
        raise AssertionError('TTA must not call forward')


def samples(n, h, w):
    return [SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w))) for _ in range(n)]


def tta(fn, **kwargs):
    return MultiScaleChangeTTA(module=FixedLogitModel(fn), **kwargs)


def size_logit(x):
    """Constant logit per view, depending on the view height: c = h / 32 - 0.5."""
    return torch.full((x.shape[0], 1, *x.shape[-2:]), x.shape[-2] / 32 - 0.5)


def test_msi_equals_formula_and_differs_from_mi():
    x = torch.zeros(2, 6, 32, 32)
    scales = (0.5, 1.0, 1.25, 2.0)
    expected = torch.stack([torch.sigmoid(torch.tensor(32 * s / 32 - 0.5)) for s in scales]).mean()
    msi = tta(size_logit, mode='msi', scales=scales).change_probability(x)
    assert msi.shape == (2, 32, 32)
    torch.testing.assert_close(msi, torch.full_like(msi, expected.item()), atol=1e-6, rtol=0)
    # MI: CAM of the summed logits (2 * sum(c_s) > 0 everywhere -> ~1 after max normalisation).
    total = 2 * sum(32 * s / 32 - 0.5 for s in scales)
    mi = tta(size_logit, mode='mi', scales=scales).change_probability(x)
    torch.testing.assert_close(mi, torch.full_like(mi, total / (total + 1e-5)), atol=1e-6, rtol=0)
    assert (mi - msi).abs().min() > 0.1


def test_views_batched_per_scale_with_flip_pair():
    model = tta(size_logit, scales=(0.5, 1.0, 2.0))
    model.change_probability(torch.zeros(3, 6, 32, 32))
    assert model.module.sizes == [(6, 6, 16, 16), (6, 6, 32, 32), (6, 6, 64, 64)]


@pytest.mark.parametrize('flip_axis', ['width', 'height'])
def test_flip_is_undone(flip_axis):
    h, w = 24, 40
    ramp = torch.linspace(-3, 3, w).view(1, 1, 1, w) + torch.linspace(-1, 2, h).view(1, 1, h, 1)
    x = ramp.expand(1, 6, h, w).clone()
    prob = tta(lambda v: v[:, :1], scales=(1.0, ), flip_axis=flip_axis).change_probability(x)
    torch.testing.assert_close(prob, torch.sigmoid(ramp[:, 0]), atol=1e-6, rtol=0)


def test_resize_is_undone_on_a_smooth_map():
    h, w = 48, 48
    ramp = torch.linspace(-2, 2, w).view(1, 1, 1, w) + torch.linspace(-1, 1, h).view(1, 1, h, 1)
    x = ramp.expand(1, 6, h, w).clone()
    prob = tta(lambda v: v[:, :1], scales=(0.5, 2.0)).change_probability(x)
    interior = (slice(None), slice(4, -4), slice(4, -4))
    torch.testing.assert_close(prob[interior], torch.sigmoid(ramp[:, 0])[interior], atol=0.01,
                               rtol=0)
    assert not torch.allclose(prob, torch.sigmoid(ramp[:, 0]).flip(-1), atol=0.1)


def test_output_rounded_up_to_divisor_then_cropped():
    x = torch.zeros(1, 6, 20, 36)
    position = lambda v: torch.linspace(0, 1, v.shape[-1]).expand(v.shape[0], 1, *v.shape[-2:])
    direct = tta(position, scales=(1.0, ), flip=False, mode='mi').change_probability(x)
    torch.testing.assert_close(direct[0, 0], torch.linspace(0, 1, 36) / (1 + 1e-5), atol=1e-6,
                               rtol=0)
    rounded = tta(position, scales=(1.0, ), flip=False, mode='mi',
                  output_size_divisor=16).change_probability(x)
    assert rounded.shape == (1, 20, 36)
    up = F.interpolate(position(x), size=(32, 48), mode='bilinear', align_corners=False)
    cropped = up[:, 0, :20, :36]
    torch.testing.assert_close(rounded, cropped / (cropped.max() + 1e-5), atol=1e-6, rtol=0)


def test_two_class_logits_use_the_change_class_probability():
    logits = torch.tensor([0.3, 1.7]).view(1, 2, 1, 1)
    model = tta(lambda v: logits.expand(v.shape[0], 2, *v.shape[-2:]), scales=(1.0, 2.0))
    prob = model.change_probability(torch.zeros(1, 6, 8, 8))
    expected = torch.softmax(logits, dim=1)[0, 1, 0, 0]
    torch.testing.assert_close(prob, torch.full_like(prob, expected.item()), atol=1e-6, rtol=0)


@pytest.mark.parametrize('single_logit', [True, False])
def test_sigmoid_once_against_mmseg_postprocessing(single_logit):
    """One scale, no flip: the TTA probability equals the detector's own prediction."""
    torch.manual_seed(0)
    detector = MODELS.build(tiny_detector(single_logit=single_logit)).eval()
    inputs = torch.rand(2, 6, 32, 32) * 4 - 2
    with torch.no_grad():
        own = detector.predict(inputs, samples(2, 32, 32))
    model = MultiScaleChangeTTA(module=detector, scales=(1.0, ), flip=False).eval()
    out = model.predict(inputs, samples(2, 32, 32))
    for mine, ref in zip(out, own):
        ref_prob = ref.seg_logits.data[0] if single_logit else torch.softmax(
            ref.seg_logits.data, 0)[1]
        torch.testing.assert_close(mine.seg_logits.data[0], ref_prob, atol=1e-6, rtol=0)
        assert torch.equal(mine.pred_sem_seg.data, (ref_prob > 0.5).long()[None])
        assert torch.equal(mine.pred_sem_seg.data, ref.pred_sem_seg.data)


def test_threshold_and_crop_to_img_shape():
    model = tta(lambda v: torch.full((v.shape[0], 1, *v.shape[-2:]), 0.1), scales=(1.0, ),
                threshold=0.53)
    data_samples = [SegDataSample(metainfo=dict(img_shape=(10, 12), ori_shape=(10, 12)))]
    out = model.predict(torch.zeros(1, 6, 16, 16), data_samples)[0]
    assert out.seg_logits.data.shape == (1, 10, 12)
    assert out.pred_sem_seg.data.sum() == 0  # sigmoid(0.1) = 0.525 <= 0.53
    model.threshold = 0.52
    assert model.predict(torch.zeros(1, 6, 16, 16), copy.deepcopy(data_samples))[0] \
        .pred_sem_seg.data.all()


def test_bad_arguments():
    with pytest.raises(ValueError, match='mode'):
        tta(size_logit, mode='max')
    with pytest.raises(ValueError, match='flip_axis'):
        tta(size_logit, flip_axis='depth')
    with pytest.raises(ValueError, match='scales'):
        tta(size_logit, scales=(0.0, 1.0))


def test_test_step_takes_a_plain_batch_and_rejects_views():
    torch.manual_seed(0)
    detector = MODELS.build(tiny_detector()).eval()
    model = MultiScaleChangeTTA(module=detector, scales=(0.5, 1.0)).eval()
    inputs = [torch.randint(0, 256, (6, 32, 32), dtype=torch.uint8) for _ in range(2)]
    out = model.test_step(dict(inputs=inputs, data_samples=samples(2, 32, 32)))
    normalised = detector.data_preprocessor(dict(inputs=inputs), False)['inputs']
    expected = model.predict(normalised, samples(2, 32, 32))
    for mine, ref in zip(out, expected):
        assert torch.equal(mine.seg_logits.data, ref.seg_logits.data)
    views = dict(inputs=[[x] for x in inputs], data_samples=[[s] for s in samples(2, 32, 32)])
    with pytest.raises(TypeError, match='remove tta_pipeline'):
        model.test_step(views)
