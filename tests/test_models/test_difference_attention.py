import torch

from cdkd.models.layers import DifferenceAttention


def test_difference_attention_shapes_range_and_refinement():
    torch.manual_seed(0)
    att = DifferenceAttention(in_channels=32, reduction=8)
    x = torch.randn(2, 32, 6, 5)
    y, maps = att(x)
    assert y.shape == x.shape
    assert maps['channel'].shape == (2, 32) and maps['spatial'].shape == (2, 1, 6, 5)
    for m in maps.values():
        assert (m > 0).all() and (m < 1).all()
    assert torch.allclose(y, x * maps['channel'][:, :, None, None] * maps['spatial'])


def test_residual_attention_adds_the_refinement_to_the_input():
    torch.manual_seed(0)
    gated = DifferenceAttention(in_channels=16, reduction=4)
    residual = DifferenceAttention(in_channels=16, reduction=4, residual=True)
    residual.load_state_dict(gated.state_dict())
    x = torch.randn(2, 16, 4, 4)
    y_gated, maps_gated = gated(x)
    y_res, maps_res = residual(x)
    assert torch.allclose(y_res, x + y_gated)
    assert all(torch.equal(maps_gated[k], maps_res[k]) for k in maps_gated)
