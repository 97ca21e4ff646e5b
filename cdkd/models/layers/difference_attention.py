"""CBAM-style channel + spatial attention on change (difference) features, as GOLD uses it."""
from typing import Dict, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.registry import MODELS

ATTENTION_MODES = ('gate', 'residual', 'concat')


@MODELS.register_module()
class DifferenceAttention(BaseModule):
    """Channel then spatial attention on change features (Woo et al., CBAM), applied in one of
    three ways.

    ``A_ch = sigmoid(MLP(avgpool F) + MLP(maxpool F))``, ``F' = F * A_ch``,
    ``A_sp = sigmoid(conv([mean_c F', max_c F']))``. The output is, by ``mode``:

    * ``'gate'``: ``F' * A_sp`` (GOLD's pseudocode: attention "on the enhanced features");
    * ``'residual'``: ``F + F' * A_sp``;
    * ``'concat'``: ``ReLU(BN(conv([F, A_sp])))`` back to ``in_channels`` (the official
      ``TripleEUNet``: the difference-attention map is concatenated to the features and fused,
      nothing is gated, so the features reach the head undiminished).

    The maps are returned too, for attention transfer: ``channel`` ``(N, C)`` and ``spatial``
    ``(N, 1, H, W)``, in (0, 1). In every mode both maps shape the output, so the change loss
    trains them in the teacher as well as in the student.

    Args:
        in_channels: channels of the refined features.
        reduction: channel reduction of the MLP.
        kernel_size: kernel of the spatial-attention convolution.
        mode: 'gate', 'residual' or 'concat'.
        fusion_kernel_size: kernel of the ``'concat'`` fusion convolution (official: 3; 1 keeps
            it small at wide levels, e.g. 2048 channels of a ResNet-50).
        norm_cfg: norm of the ``'concat'`` fusion.
    """

    def __init__(self,
                 in_channels: int,
                 reduction: int = 16,
                 kernel_size: int = 7,
                 mode: str = 'gate',
                 fusion_kernel_size: int = 3,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if mode not in ATTENTION_MODES:
            raise ValueError(f'unknown attention mode {mode!r}; choose one of {ATTENTION_MODES}')
        self.mode = mode
        self.in_channels = in_channels
        hidden = max(in_channels // reduction, 1)
        self.mlp = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1, bias=False), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, in_channels, 1, bias=False))
        self.spatial_conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.fusion = ConvModule(
            in_channels + 1, in_channels, fusion_kernel_size, padding=fusion_kernel_size // 2,
            norm_cfg=norm_cfg) if mode == 'concat' else None

    def forward(self, x: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'DifferenceAttention(in_channels={self.in_channels}) got features with '
                f'{x.shape[1]} channels: set the attention in_channels to the channels of the '
                'refined (distilled) level')
        channel = torch.sigmoid(
            self.mlp(x.mean(dim=(2, 3), keepdim=True)) + self.mlp(x.amax(dim=(2, 3), keepdim=True)))
        weighted = x * channel
        spatial = torch.sigmoid(self.spatial_conv(torch.cat(
            [weighted.mean(dim=1, keepdim=True), weighted.amax(dim=1, keepdim=True)], dim=1)))
        maps = dict(channel=channel.flatten(1), spatial=spatial)
        if self.mode == 'concat':
            return self.fusion(torch.cat([x, spatial], dim=1)), maps
        refined = weighted * spatial
        return (x + refined if self.mode == 'residual' else refined), maps
