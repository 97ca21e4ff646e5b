"""Generic distillation losses: exact values, zero on agreement, gradients."""
import math

import pytest
import torch

from cdkd.registry import MODELS


def build(cfg):
    return MODELS.build(cfg)


@pytest.mark.parametrize('channels', [1, 2, 3])
@pytest.mark.parametrize('loss_type', ['PixelKLDivLoss', 'ProbabilityMSELoss'])
def test_zero_on_agreement_positive_otherwise(loss_type, channels):
    torch.manual_seed(0)
    t = torch.randn(2, channels, 4, 4)
    loss = build(dict(type=loss_type, temperature=2.0))
    assert loss(t.clone(), t).item() == pytest.approx(0.0, abs=1e-7)
    assert loss(t + torch.randn_like(t), t).item() > 1e-4


def test_bernoulli_kl_exact_value_and_temperature_scaling():
    s, t = torch.full((1, 1, 1, 1), 0.5), torch.full((1, 1, 1, 1), 2.0)
    p, q = 1 / (1 + math.exp(-2.0)), 1 / (1 + math.exp(-0.5))
    expected = p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
    assert build(dict(type='PixelKLDivLoss'))(s, t).item() == pytest.approx(expected, rel=1e-5)
    p, q = 1 / (1 + math.exp(-1.0)), 1 / (1 + math.exp(-0.25))
    expected_t2 = 4 * (p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q)))
    loss = build(dict(type='PixelKLDivLoss', temperature=2.0, loss_weight=0.5))
    assert loss(s, t).item() == pytest.approx(0.5 * expected_t2, rel=1e-5)


def test_softmax_kl_exact_value_and_mask():
    s = torch.tensor([0.0, 0.0]).view(1, 2, 1, 1).repeat(1, 1, 1, 2)
    t = torch.tensor([math.log(3.0), 0.0]).view(1, 2, 1, 1).repeat(1, 1, 1, 2)
    s[..., 1] = t[..., 1]  # second pixel agrees
    kl_first = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    loss = build(dict(type='PixelKLDivLoss'))
    assert loss(s, t).item() == pytest.approx(kl_first / 2, rel=1e-5)
    mask = torch.tensor([[[True, False]]])
    assert loss(s, t, valid_mask=mask).item() == pytest.approx(kl_first, rel=1e-5)
    mse = build(dict(type='ProbabilityMSELoss'))(s, t)
    assert mse.item() == pytest.approx((0.25 ** 2 * 2) / 2, rel=1e-5)


def test_gradient_reaches_student_only_when_teacher_detached():
    s = torch.randn(1, 2, 3, 3, requires_grad=True)
    t = torch.randn(1, 2, 3, 3, requires_grad=True)
    build(dict(type='PixelKLDivLoss'))(s, t.detach()).backward()
    assert s.grad.abs().sum() > 0 and t.grad is None
    build(dict(type='PixelKLDivLoss'))(s, t).backward()
    assert t.grad.abs().sum() > 0


def test_feature_loss_mse_cosine_and_levels():
    a = torch.tensor([[[[1.0]], [[0.0]]]])
    b = torch.tensor([[[[0.0]], [[1.0]]]])
    mse = build(dict(type='FeatureDistillLoss', metric='mse'))
    cos = build(dict(type='FeatureDistillLoss', metric='cosine', loss_weight=2.0))
    assert mse(a, b).item() == pytest.approx(1.0)
    assert cos(a, b).item() == pytest.approx(2.0)  # orthogonal: 1 - 0, x 2
    assert cos(a, 3 * a).item() == pytest.approx(0.0, abs=1e-6)
    assert mse([a, a], [b, a]).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match='differ in shape'):
        mse(a, torch.zeros(1, 2, 2, 2))
    with pytest.raises(ValueError, match='metric'):
        build(dict(type='FeatureDistillLoss', metric='l1'))


@pytest.mark.parametrize('loss_type', ['PixelKLDivLoss', 'ProbabilityMSELoss'])
@pytest.mark.parametrize('temperature', [0.0, -1.0])
def test_non_positive_temperature_is_refused(loss_type, temperature):
    with pytest.raises(ValueError, match=f'temperature must be positive, got {temperature}'):
        build(dict(type=loss_type, temperature=temperature))
