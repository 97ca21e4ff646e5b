import math

import pytest
import torch
import torch.nn.functional as F

from cdkd.models.losses import UncertaintyTaskWeighting, cosine_warmup, main_task_boost


def losses():
    return dict(cd=torch.tensor(1.0, requires_grad=True), distill=torch.tensor(0.5),
                attention=torch.tensor(0.2))


def test_warmup_and_boost_factors():
    assert cosine_warmup(0, 4) == 0.0 and cosine_warmup(2, 4) == pytest.approx(0.5)
    assert cosine_warmup(4, 4) == 1.0 and cosine_warmup(9, 4) == 1.0
    assert main_task_boost(3, 4) == 1.0 and main_task_boost(14, 4) == pytest.approx(1.1)
    assert main_task_boost(1000, 4) == 1.5


def test_gold_weights_mix_fixed_and_uncertainty():
    w = UncertaintyTaskWeighting(fixed_weights=(1.0, 0.3, 0.2), warmup_epochs=4)
    assert torch.allclose(w.weights(0), torch.tensor([1.0, 0.3, 0.2]))
    p = F.softplus(torch.zeros(3)) + 1e-8  # s = 0 -> equal p
    mid = (0.5 * torch.tensor([1.0, 0.3, 0.2]) / 1.5 + 0.5 * p / p.sum()) * 1.5
    assert torch.allclose(w.weights(2), mid)
    with torch.no_grad():
        w.log_vars.copy_(torch.tensor([0.0, 1.0, -1.0]))
    p = F.softplus(-w.log_vars.detach()) + 1e-8
    p[0] *= 1.1  # boost 10 epochs after warm-up
    assert torch.allclose(w.weights(14), 1.5 * p / p.sum())
    assert w.weights(14).sum().item() == pytest.approx(1.5)  # the fixed weights' total is kept
    # a larger uncertainty v_k gives a smaller weight
    assert w.weights(4)[2] > w.weights(4)[0] > w.weights(4)[1]


def test_gold_bounds_keep_the_change_task_dominant():
    bounds = dict(cd=(0.6, None), distill=(None, 0.3), attention=(None, 0.2))
    w = UncertaintyTaskWeighting(fixed_weights=(1.0, 0.3, 0.2), warmup_epochs=0, max_boost=1.0,
                                 bounds=bounds)
    with torch.no_grad():
        w.log_vars.copy_(torch.tensor([3.0, -3.0, -3.0]))  # change task very uncertain
    p = F.softplus(-w.log_vars.detach())
    raw = p / p.sum() * 1.5
    assert raw[0] < 0.1 * 1.5  # unbounded, the change weight would nearly vanish
    clamped = torch.stack([torch.clamp(raw[0], min=0.9), torch.clamp(raw[1], max=0.45),
                           torch.clamp(raw[2], max=0.3)])
    expected = clamped / clamped.sum() * 1.5
    assert torch.allclose(w.weights(3), expected)
    assert w.weights(3)[0] / 1.5 > 0.5


def test_gold_log_vars_learn_through_the_weighted_loss():
    w = UncertaintyTaskWeighting(warmup_epochs=0, max_boost=1.0)
    out = w(losses(), epoch=1)
    assert torch.allclose(out['loss_cd'], out['weight_cd'] * 1.0)
    assert not out['weight_cd'].requires_grad and 'loss_uncertainty' not in out
    sum(v for k, v in out.items() if k.startswith('loss_')).backward()
    # d/ds_k of T sum_j p_j L_j / sum p at s = 0: -T sigmoid(0) (L_k - mean L) / sum p
    levels = torch.tensor([1.0, 0.5, 0.2])
    p_sum = 3 * F.softplus(torch.tensor(0.0))
    expected = -1.5 * 0.5 * (levels - levels.mean()) / p_sum
    assert torch.allclose(w.log_vars.grad, expected, atol=1e-6)
    # gradient descent raises s (lowers the weight) of the largest loss
    assert w.log_vars.grad[0] < 0 < w.log_vars.grad[2]


def test_homoscedastic_and_fixed_modes():
    h = UncertaintyTaskWeighting(mode='homoscedastic')
    with torch.no_grad():
        h.log_vars.copy_(torch.tensor([math.log(2.0), 0.0, 0.0]))
    out = h(losses(), 0)
    assert torch.allclose(out['loss_cd'], torch.tensor(0.5 + math.log(2.0)))
    assert torch.allclose(out['weight_cd'], torch.tensor(0.5))
    out['loss_cd'].backward()
    assert h.log_vars.grad[0] != 0
    f = UncertaintyTaskWeighting(mode='fixed', fixed_weights=(1.0, 2.0, 3.0))
    out = f(losses(), 50)
    assert torch.allclose(out['loss_attention'], torch.tensor(0.6)) and 'loss_uncertainty' not in out


def test_bad_configuration_errors():
    with pytest.raises(ValueError, match='mode'):
        UncertaintyTaskWeighting(mode='gradnorm')
    with pytest.raises(ValueError, match='fixed_weights'):
        UncertaintyTaskWeighting(fixed_weights=(1.0,))
    with pytest.raises(ValueError, match='tasks'):
        UncertaintyTaskWeighting()(dict(cd=torch.tensor(1.0)), 0)
    with pytest.raises(ValueError, match='not tasks'):
        UncertaintyTaskWeighting(tasks=('cd', 'distill'), fixed_weights=(1.0, 0.3),
                                 bounds=dict(attention=(None, 0.2)))
    with pytest.raises(ValueError, match='min <= max'):
        UncertaintyTaskWeighting(bounds=dict(cd=(0.7, 0.5)))
