"""TinyCD's building blocks (Codegoni, Lombardi & Ferrari, "TinyCD: A (Not So) Deep Learning
Model For Change Detection", Neural Computing and Applications 35, 2023; official code
AndreaCodegoni/Tiny_model_4_CD, models/layers.py)."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def pixelwise_mlp(channels: Sequence[int]) -> nn.Sequential:
    """1x1 convs ``channels[0] -> channels[1] -> ...``, each followed by a PReLU (TinyCD's
    ``PixelwiseLinear`` without a last activation)."""
    layers = []
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        layers += [nn.Conv2d(c_in, c_out, 1), nn.PReLU()]
    return nn.Sequential(*layers)


class MixingBlock(nn.Module):
    """Interleaves the channels of the two dates (x0, y0, x1, y1, ...) and mixes each pair with a
    grouped 3x3 conv (one group per channel pair), PReLU, InstanceNorm."""

    def __init__(self, channels: int):
        super().__init__()
        self.mix = nn.Sequential(nn.Conv2d(2 * channels, channels, 3, padding=1, groups=channels),
                                 nn.PReLU(), nn.InstanceNorm2d(channels))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        n, c, h, w = x.shape
        return self.mix(torch.stack((x, y), dim=2).reshape(n, 2 * c, h, w))


class MixingMaskAttentionBlock(nn.Module):
    """A ``MixingBlock`` followed by a pixel-wise MLP to one channel: the spatial attention mask of
    one level (the official block with ``generate_masked=False``, as its ChangeClassifier uses)."""

    def __init__(self, channels: int, hidden: Sequence[int]):
        super().__init__()
        self.mixing = MixingBlock(channels)
        self.mlp = pixelwise_mlp([channels, *hidden, 1])

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.mlp(self.mixing(x, y))


class UpMask(nn.Module):
    """Upsamples (bilinear, align_corners=True) to the mask's size, multiplies by the mask, then a
    depth-wise 3x3 and a 1x1 conv, each with PReLU and InstanceNorm. The official block upsamples
    to a size fixed at construction (64/128/256, i.e. 256 x 256 inputs only); here the mask gives
    the size, which is the same for 256 x 256 inputs and works for any input size."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels), nn.PReLU(),
            nn.InstanceNorm2d(in_channels), nn.Conv2d(in_channels, out_channels, 1), nn.PReLU(),
            nn.InstanceNorm2d(out_channels))

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = F.interpolate(x, size=mask.shape[-2:], mode='bilinear', align_corners=True)
        return self.conv(x * mask)
