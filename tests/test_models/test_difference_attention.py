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
