"""ChannelWiseDivergence against a hand computation of Shu et al.'s Eq. (3)-(4)."""
import math

import pytest
import torch

from cdkd.registry import MODELS


def hand_cwd(s, t, tau):
    n, c, h, w = s.shape
    total = 0.0
    for i in range(n):
        for j in range(c):
            zs = [v / tau for v in s[i, j].flatten().tolist()]
            zt = [v / tau for v in t[i, j].flatten().tolist()]
            es, et = sum(math.exp(v) for v in zs), sum(math.exp(v) for v in zt)
            for a, b in zip(zs, zt):
                p, q = math.exp(b) / et, math.exp(a) / es
                total += p * math.log(p / q)
    return total * tau ** 2 / (n * c)


@pytest.mark.parametrize('channels', [1, 2, 3])
@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_hand_computation(channels, tau):
    g = torch.Generator().manual_seed(channels)
    s = torch.randn(2, channels, 3, 4, generator=g, dtype=torch.float64)
    t = torch.randn(2, channels, 3, 4, generator=g, dtype=torch.float64) * 2
    loss = MODELS.build(dict(type='ChannelWiseDivergence', tau=tau, loss_weight=3.0))
    assert loss(s, t).item() == pytest.approx(3.0 * hand_cwd(s, t, tau), rel=1e-10)
    assert loss(t, t).item() == pytest.approx(0.0, abs=1e-12)


def test_single_logit_map_is_not_trivially_zero_and_errors_are_clear():
    loss = MODELS.build(dict(type='ChannelWiseDivergence'))
    s, t = torch.zeros(1, 1, 4, 4), torch.randn(1, 1, 4, 4)
    assert loss(s, t) > 0  # a spatial softmax of one channel is a real distribution
    # a constant shift of a channel map does not change its spatial distribution
    assert loss(t + 5.0, t).item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match='one shape'):
        loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match='tau'):
        MODELS.build(dict(type='ChannelWiseDivergence', tau=0))


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_computes_in_float32_under_autocast(tau):
    from tests.test_models.test_losses.test_float32_under_autocast import (
        check_float32_under_autocast, close_pair)
    check_float32_under_autocast(MODELS.build(dict(type='ChannelWiseDivergence', tau=tau)),
                                 *close_pair((2, 2, 8, 8)))
