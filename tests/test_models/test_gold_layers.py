"""GOLD's registered layers: BidirectionalChannelAttention, DifferenceMapFusion and the per-date
MultiLevelConcatNeck."""
import pytest
import torch

from cdkd.models.layers import BidirectionalChannelAttention, DifferenceMapFusion
from cdkd.models.necks import MultiLevelConcatNeck


def test_bidirectional_channel_attention_formula():
    torch.manual_seed(0)
    att = BidirectionalChannelAttention(in_channels=8, reduction=2)
    x1, x2 = torch.randn(2, 8, 5, 5), torch.randn(2, 8, 5, 5)

    def weight(x):
        return torch.sigmoid(att.shared_mlp(x.mean((2, 3), keepdim=True)) +
                             att.shared_mlp(x.amax((2, 3), keepdim=True)))

    w1, w2 = weight(x1), weight(x2)
    w_s = torch.sigmoid(
        att.specific_mlp(torch.cat([x1.mean((2, 3), True), x2.mean((2, 3), True)], 1)) +
        att.specific_mlp(torch.cat([x1.amax((2, 3), True), x2.amax((2, 3), True)], 1)))
    y1, y2 = att(x1, x2)
    assert torch.allclose(y1, x1 * w2 + x1 * w_s + x1, atol=1e-6)  # the *other* date's weight
    assert torch.allclose(y2, x2 * w1 + x2 * w_s + x2, atol=1e-6)
    assert not torch.allclose(y1, x1 * w1 + x1 * w_s + x1)
    with pytest.raises(ValueError, match='got features with 4 channels'):
        att(torch.randn(1, 4, 2, 2), torch.randn(1, 4, 2, 2))
    with pytest.raises(ValueError, match='no hidden channel'):
        BidirectionalChannelAttention(in_channels=8, reduction=16)


def test_difference_map_fusion_concatenates_the_map():
    fusion = DifferenceMapFusion(in_channels=6, channels=4).eval()
    x = torch.randn(2, 6, 8, 8)
    y, maps = fusion(x)
    assert y.shape == x.shape and maps['difference'].shape == (2, 1, 8, 8)
    assert maps['difference'].min() > 0 and maps['difference'].max() < 1
    assert fusion.fusion.conv.in_channels == 7 and fusion.fusion.conv.kernel_size == (3, 3)
    # the map changes the output: it is fused, not discarded
    with torch.no_grad():
        fusion.map[1].bias.fill_(50.0)
    assert not torch.allclose(fusion(x)[0], y)
    with pytest.raises(ValueError, match='in_channels=6'):
        fusion(torch.randn(1, 5, 4, 4))


def test_multi_level_concat_neck_fuses_to_stride_4():
    neck = MultiLevelConcatNeck(in_channels=[4, 8, 16, 32], channels=8)
    feats = [torch.randn(2, c, 32 // 2**i, 32 // 2**i) for i, c in enumerate([4, 8, 16, 32])]
    out = neck(feats)
    assert out.shape == (2, 8, 32, 32)
    assert not neck.fusion.with_activation  # 1x1 conv + BN, no activation (official)
    assert all(p.conv.kernel_size == (1, 1) for p in neck.projections)
    with pytest.raises(ValueError, match='4 levels'):
        neck(feats[:3])
