"""CBAM-style channel + spatial attention on change (difference) features, as GOLD uses it."""
from typing import Dict, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.registry import MODELS


@MODELS.register_module()
class DifferenceAttention(BaseModule):
    """Refine change features with channel then spatial attention (Woo et al., CBAM).

    ``A_ch = sigmoid(MLP(avgpool F) + MLP(maxpool F))``, ``F' = F * A_ch``;
    ``A_sp = sigmoid(conv([mean_c F', max_c F']))``, output ``F' * A_sp``. The maps are returned
    too, for attention transfer: ``channel`` ``(N, C)`` and ``spatial`` ``(N, 1, H, W)``, in (0, 1).
    ``residual=True`` returns ``F + F'`` instead: the gates then boost features rather than
    scale them all down (about 0.25 at initialisation), keeping a direct gradient path.
    """

    def __init__(self,
                 in_channels: int,
                 reduction: int = 16,
                 kernel_size: int = 7,
                 residual: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.residual = residual
        hidden = max(in_channels // reduction, 1)
        self.mlp = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1, bias=False), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, in_channels, 1, bias=False))
        self.spatial_conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        identity = x
        avg = x.mean(dim=(2, 3), keepdim=True)
        mx = x.amax(dim=(2, 3), keepdim=True)
        channel = torch.sigmoid(self.mlp(avg) + self.mlp(mx))
        x = x * channel
        spatial = torch.sigmoid(self.spatial_conv(
            torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)))
        refined = x * spatial
        if self.residual:
            refined = refined + identity
        return refined, dict(channel=channel.flatten(1), spatial=spatial)
