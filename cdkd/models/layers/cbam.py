"""CBAM's channel and spatial attention (Woo et al. 2018) in SEIFNet's form: 1x1-conv MLP without
biases, spatial 7 x 7 conv with a bias on [mean_c, max_c], no normalisation."""
import torch
from torch import Tensor, nn


class ChannelAttention(nn.Module):
    """``sigmoid(MLP(avgpool x) + MLP(maxpool x))``, shape ``(N, C, 1, 1)``; the shared MLP is
    1x1 conv C -> C // ratio -> ReLU -> 1x1 conv back to C, both without biases."""

    def __init__(self, channels: int, ratio: int = 16):
        super().__init__()
        if channels // ratio < 1:
            raise ValueError(f'ChannelAttention: channels={channels} < ratio={ratio}')
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, channels // ratio, 1, bias=False), nn.ReLU(),
            nn.Conv2d(channels // ratio, channels, 1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        avg = self.mlp(x.mean(dim=(2, 3), keepdim=True))
        mx = self.mlp(x.amax(dim=(2, 3), keepdim=True))
        return torch.sigmoid(avg + mx)


class SpatialAttention(nn.Module):
    """``sigmoid(conv7x7([mean_c x, max_c x]))``, shape ``(N, 1, H, W)``."""

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x: Tensor) -> Tensor:
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(pooled))


class CBAM(nn.Module):
    """Channel then spatial attention: ``x' = x * A_ch(x)``, output ``x' * A_sp(x')``."""

    def __init__(self, channels: int, ratio: int = 16, kernel_size: int = 7):
        super().__init__()
        self.channel_attention = ChannelAttention(channels, ratio)
        self.spatial_attention = SpatialAttention(kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        x = x * self.channel_attention(x)
        return x * self.spatial_attention(x)
