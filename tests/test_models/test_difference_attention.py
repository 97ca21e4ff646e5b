import pytest
import torch

from cdkd.models.layers import DifferenceAttention


def test_gate_mode_scales_features_by_both_maps():
    torch.manual_seed(0)
    att = DifferenceAttention(in_channels=32, reduction=8)
    x = torch.randn(2, 32, 6, 5)
    y, maps = att(x)
    assert y.shape == x.shape
    assert maps['channel'].shape == (2, 32) and maps['spatial'].shape == (2, 1, 6, 5)
    for m in maps.values():
        assert (m > 0).all() and (m < 1).all()
    assert torch.allclose(y, x * maps['channel'][:, :, None, None] * maps['spatial'])


def test_residual_mode_adds_the_refinement_to_the_input():
    torch.manual_seed(0)
    gated = DifferenceAttention(in_channels=16, reduction=4)
    residual = DifferenceAttention(in_channels=16, reduction=4, mode='residual')
    residual.load_state_dict(gated.state_dict())
    x = torch.randn(2, 16, 4, 4)
    y_gated, maps_gated = gated(x)
    y_res, maps_res = residual(x)
    assert torch.allclose(y_res, x + y_gated)
    assert all(torch.equal(maps_gated[k], maps_res[k]) for k in maps_gated)


def test_concat_mode_fuses_the_ungated_features_with_the_spatial_map():
    torch.manual_seed(0)
    att = DifferenceAttention(in_channels=16, reduction=4, mode='concat').eval()
    x = torch.randn(2, 16, 5, 4)
    y, maps = att(x)
    assert y.shape == x.shape and (y >= 0).all()
    # The fusion sees x itself (not gated) next to the spatial map, and the map contributes.
    assert torch.equal(y, att.fusion(torch.cat([x, maps['spatial']], dim=1)))
    without_map = att.fusion(torch.cat([x, torch.zeros_like(maps['spatial'])], dim=1))
    assert not torch.allclose(without_map, y)
    assert att.fusion.conv.in_channels == 17 and att.fusion.conv.kernel_size == (3, 3)


def test_concat_mode_trains_both_maps_through_the_output():
    torch.manual_seed(0)
    att = DifferenceAttention(in_channels=8, reduction=2, mode='concat', fusion_kernel_size=1)
    y, _ = att(torch.randn(2, 8, 4, 4))
    y.sum().backward()
    assert att.fusion.conv.kernel_size == (1, 1)
    for name in ('mlp.0.weight', 'mlp.2.weight', 'spatial_conv.weight'):
        grad = dict(att.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown attention mode 'add'"):
        DifferenceAttention(in_channels=8, mode='add')


def test_wrong_channel_count_names_the_setting():
    att = DifferenceAttention(in_channels=8, reduction=2)
    with pytest.raises(ValueError, match=r'in_channels=8\) got features with 4 channels'):
        att(torch.randn(1, 4, 3, 3))
