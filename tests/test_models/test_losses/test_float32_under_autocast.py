"""Every cdkd loss computes in float32 under autocast (tools/train.py --amp).

CPU bfloat16 autocast stands in for CUDA's: its inputs are bfloat16 network outputs, and each loss
must give exactly what it gives on the same values in float32 (computed in bfloat16 the KL of
close distributions is off by a factor of two), with gradients reaching the bfloat16 inputs.
"""
import pytest
import torch
from mmseg.structures import SegDataSample

from cdkd.models.losses import (AttentionTransferLoss, FeatureDistillLoss, GOLDDistillLoss,
                                PixelKLDivLoss, ProbabilityMSELoss, UncertaintyTaskWeighting)
from cdkd.models.losses.utils import float32_forward, to_float32
from tests.test_models.test_cam_distillation_detector import tiny_kdmsi


def bf16(*shape, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(shape, generator=g)).bfloat16()


def close_pair(shape, seed=0, scale=3.0, noise=0.05):
    """Student/teacher logits that nearly agree (the regime where bfloat16 loses the loss)."""
    s = bf16(*shape, seed=seed, scale=scale)
    t = (s.float() + noise * torch.randn(*shape, generator=torch.Generator().manual_seed(seed + 1)))
    return s, t.bfloat16()


def leaves(inputs):
    """bfloat16 leaf tensors that require grad (nested like ``inputs``)."""
    if isinstance(inputs, torch.Tensor):
        return inputs.detach().clone().requires_grad_(inputs.is_floating_point())
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(leaves(v) for v in inputs)
    if isinstance(inputs, dict):
        return {k: leaves(v) for k, v in inputs.items()}
    return inputs


def flat(inputs):
    if isinstance(inputs, torch.Tensor):
        return [inputs]
    values = inputs.values() if isinstance(inputs, dict) else inputs
    return [t for v in values if isinstance(v, (torch.Tensor, list, tuple, dict)) for t in flat(v)]


def check_float32_under_autocast(loss_fn, *inputs, dtype=torch.bfloat16):
    reference = loss_fn(*to_float32(inputs))
    assert all(torch.isfinite(v).all() for v in flat(reference))
    args = leaves(inputs)
    with torch.autocast('cpu', dtype=dtype):
        out = loss_fn(*args)
    for ref, got in ([(reference, out)] if isinstance(out, torch.Tensor) else
                     [(reference[k], out[k]) for k in out]):
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, ref, rtol=1e-6, atol=1e-9)
    sum(v for v in flat(out) if v.requires_grad).backward()
    grads = [a.grad for a in flat(args) if a.grad is not None]
    assert grads and all(g.dtype == dtype for g in grads)


@pytest.mark.parametrize('channels', [1, 2])
@pytest.mark.parametrize('temperature', [1.0, 4.0])
def test_pixel_kl(channels, temperature):
    check_float32_under_autocast(PixelKLDivLoss(temperature=temperature),
                                 *close_pair((2, channels, 16, 16)))


@pytest.mark.parametrize('channels', [1, 2])
def test_probability_mse(channels):
    check_float32_under_autocast(ProbabilityMSELoss(), *close_pair((2, channels, 16, 16)))


@pytest.mark.parametrize('metric', ['mse', 'cosine'])
def test_feature_distill(metric):
    s, t = close_pair((2, 16, 8, 8), scale=30.0)
    check_float32_under_autocast(FeatureDistillLoss(metric=metric), [s, s * 2], [t, t * 2])


def test_attention_transfer():
    d_s, d_t = close_pair((2, 2, 8, 8))
    att_s = dict(channel=bf16(2, 32, seed=3), spatial=bf16(2, 1, 8, 8, seed=4))
    att_t = dict(channel=bf16(2, 32, seed=5), spatial=bf16(2, 1, 8, 8, seed=6))
    check_float32_under_autocast(AttentionTransferLoss(), d_s, d_t, att_s, att_t)


@pytest.mark.parametrize('variant', ['global', 'region'])
def test_gold_distill(variant):
    f1 = bf16(2, 32, 8, 8, seed=9, scale=10.0)
    fs, ft = close_pair((2, 32, 8, 8), scale=10.0)
    ls, lt = close_pair((2, 1, 16, 16), seed=7)
    gt = (torch.rand(2, 16, 16, generator=torch.Generator().manual_seed(8)) > 0.5).long()
    att_s = dict(channel=bf16(2, 32, seed=3), spatial=bf16(2, 1, 8, 8, seed=4))
    att_t = dict(channel=bf16(2, 32, seed=5), spatial=bf16(2, 1, 8, 8, seed=6))
    check_float32_under_autocast(GOLDDistillLoss(feature_loss_type=variant), fs, ft, ls, lt, gt,
                                 (f1, fs), (f1, ft), att_s, att_t)


@pytest.mark.parametrize('variant', ['global', 'region'])
def test_gold_distill_float16_does_not_overflow(variant):
    """float16 tops out at 65504: the squared feature differences summed over 32 channels in the
    difference maps (here about 1.6e5) overflow unless computed in float32."""
    g = torch.Generator().manual_seed(0)

    def h(*shape):
        return (50 * torch.randn(*shape, generator=g)).half()

    fs, ft, f1 = h(2, 32, 8, 8), h(2, 32, 8, 8), h(2, 32, 8, 8)
    ls, lt = h(2, 1, 16, 16), h(2, 1, 16, 16)
    gt = (torch.rand(2, 16, 16, generator=g) > 0.5).long()
    att = [dict(channel=torch.rand(2, 32, generator=g).half(),
                spatial=torch.rand(2, 1, 8, 8, generator=g).half()) for _ in range(2)]
    check_float32_under_autocast(GOLDDistillLoss(feature_loss_type=variant), fs, ft, ls, lt, gt,
                                 (f1, fs), (f1, ft), *att, dtype=torch.float16)


@pytest.mark.parametrize('mode', ['gold', 'homoscedastic', 'fixed'])
def test_uncertainty_weighting(mode):
    """No cast needed: the weights are float32 parameters, so weight x bfloat16 loss is
    computed in float32 by type promotion (checked here, as the weighting is in every GOLD step)."""
    weighting = UncertaintyTaskWeighting(mode=mode)
    with torch.no_grad():
        weighting.log_vars.copy_(torch.tensor([0.3, -0.2, 0.1]))
    losses = dict(cd=bf16(seed=1).abs() + 0.5, distill=bf16(seed=2).abs(),
                  attention=bf16(seed=3).abs())

    def weighted(cd, distill, attention):
        return weighting(dict(cd=cd, distill=distill, attention=attention), epoch=25)

    check_float32_under_autocast(weighted, losses['cd'], losses['distill'], losses['attention'])


class FixedMap(torch.nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = torch.nn.Parameter(value.clone(), requires_grad=False)

    def forward(self, inputs):
        return self.value + 0 * inputs.mean()


def test_kdmsi_cam_distillation_losses():
    """KD-MSI's losses (BCE of the teacher's GAP, MSE of the student's sigmoid to the CAM) come
    out of the detector's loss; bfloat16 maps give what their float32 values give."""
    model = tiny_kdmsi()
    g_t, g_s = close_pair((2, 1, 4, 4), seed=11)
    samples = [SegDataSample(metainfo=dict(img_shape=(32, 32)), gt_image_label=torch.tensor(y))
               for y in (1, 0)]
    inputs = torch.randn(2, 6, 32, 32)

    def losses(t_map, s_map):
        model.teacher, model.student = FixedMap(t_map), FixedMap(s_map)
        return model.loss(inputs, samples)

    reference = losses(g_t.float(), g_s.float())
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = losses(g_t, g_s)
    for k in reference:
        assert out[k].dtype == torch.float32
        torch.testing.assert_close(out[k], reference[k], rtol=1e-6, atol=1e-9)


def test_decorator_leaves_float32_and_float64_alone_and_restores_autocast():
    calls = []

    @float32_forward
    def f(x, y=None):
        calls.append((x.dtype, y.dtype, torch.is_autocast_enabled('cpu')))
        return x

    with torch.autocast('cpu', dtype=torch.bfloat16):
        f(torch.zeros(1, dtype=torch.float64), y=torch.zeros(1, dtype=torch.float16))
        assert torch.is_autocast_enabled('cpu')
    f(torch.zeros(1), y=torch.zeros(1, dtype=torch.bfloat16))
    assert calls == [(torch.float64, torch.float32, False), (torch.float32, torch.float32, False)]
