"""Connectors: the head-type map keeps probabilities; the 1x1 conv + BN adapter maps widths."""
import pytest
import torch
import torch.nn.functional as F

from cdkd.models.losses import pixel_kl_div
from cdkd.registry import MODELS


def test_change_logit_connector_keeps_the_change_probability():
    g = torch.Generator().manual_seed(0)
    two = torch.randn(2, 2, 5, 5, generator=g)
    one = MODELS.build(dict(type='ChangeLogitConnector', out_channels=1))(two)
    assert one.shape == (2, 1, 5, 5)
    assert torch.allclose(torch.sigmoid(one[:, 0]), two.softmax(1)[:, 1], atol=1e-6)
    back = MODELS.build(dict(type='ChangeLogitConnector', out_channels=2))(one)
    assert torch.allclose(back.softmax(1), two.softmax(1), atol=1e-6)
    # Bernoulli KL of a single-logit student against a 2-class teacher = categorical KL
    student = torch.randn(2, 1, 5, 5, generator=g)
    assert torch.allclose(pixel_kl_div(student, one, 2.0),
                          pixel_kl_div(torch.cat([torch.zeros_like(student), student], 1),
                                       back, 2.0), atol=1e-6)
    with pytest.raises(ValueError, match='out_channels'):
        MODELS.build(dict(type='ChangeLogitConnector', out_channels=3))


def test_conv_module_connector_is_mmrazors_interface():
    conn = MODELS.build(dict(type='ConvModuleConnector', in_channel=8, out_channel=32,
                             norm_cfg=dict(type='BN'), act_cfg=None))
    assert isinstance(conn.conv, torch.nn.Conv2d) and conn.conv.kernel_size == (1, 1)
    assert conn.conv.bias is None and isinstance(conn.bn, torch.nn.BatchNorm2d)
    out = conn(torch.randn(2, 8, 3, 3))
    assert out.shape == (2, 32, 3, 3)
    conn.eval()
    x = torch.randn(1, 8, 3, 3)
    ref = F.batch_norm(F.conv2d(x, conn.conv.weight), conn.bn.running_mean, conn.bn.running_var,
                       conn.bn.weight, conn.bn.bias, eps=conn.bn.eps)
    assert torch.allclose(conn(x), ref, atol=1e-6)  # no activation after the BN
