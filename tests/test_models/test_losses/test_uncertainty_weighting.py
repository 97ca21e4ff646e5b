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
    w = UncertaintyTaskWeighting(fixed_weights=(0.5, 0.3, 0.2), warmup_epochs=4)
    assert torch.allclose(w.weights(0), torch.tensor([0.5, 0.3, 0.2]))
    p = F.softplus(torch.zeros(3)) + 1e-8  # s = 0 -> equal p
    mid = 0.5 * torch.tensor([0.5, 0.3, 0.2]) + 0.5 * p / p.sum()
    assert torch.allclose(w.weights(2), mid)
    with torch.no_grad():
        w.log_vars.copy_(torch.tensor([0.0, 1.0, -1.0]))
    p = F.softplus(-w.log_vars.detach()) + 1e-8
    p[0] *= 1.1  # boost 10 epochs after warm-up
    assert torch.allclose(w.weights(14), p / p.sum())
    assert w.weights(14).sum() == pytest.approx(1.0)
    # a larger uncertainty v_k gives a smaller weight
    assert w.weights(4)[2] > w.weights(4)[0] > w.weights(4)[1]


def test_gold_forward_weights_detached_and_uncertainty_fits_loss_level():
    w = UncertaintyTaskWeighting(warmup_epochs=0)
    out = w(losses(), epoch=1)
    assert torch.allclose(out['loss_cd'], out['weight_cd'] * 1.0)
    out['loss_uncertainty'].backward()
    # d/ds 0.5 (exp(-s) L + s) at s = 0 is 0.5 (1 - L)
    assert torch.allclose(w.log_vars.grad, 0.5 * (1 - torch.tensor([1.0, 0.5, 0.2])))
    w.zero_grad()
    sum(v for k, v in w(losses(), 1).items() if k in ('loss_cd', 'loss_distill')).backward()
    assert w.log_vars.grad is None or w.log_vars.grad.abs().sum() == 0


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
