"""Coordinate attention (Hou et al. 2021), the difference branch of SEIFNet's CoDEM."""
from typing import Tuple

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn


class CoordAttention(nn.Module):
    """Direction-aware attention maps ``(a_w, a_h)`` of ``x``, each expanded to ``x``'s shape.

    ``x`` is average-pooled along W (giving ``(N, C, H, 1)``) and along H (``(N, C, 1, W)``); both
    strips go through one shared 1x1 conv -> BN -> h-swish to ``mid = max(min_mid, C // reduction)``
    channels, then a 1x1 conv back to ``out_channels`` and a sigmoid each.
    """

    def __init__(self, in_channels: int, out_channels: int = None, reduction: int = 32,
                 min_mid: int = 8, norm_cfg: dict = dict(type='BN')):
        super().__init__()
        out_channels = out_channels or in_channels
        mid = max(min_mid, in_channels // reduction)
        self.squeeze = ConvModule(in_channels, mid, 1, bias=True, norm_cfg=norm_cfg,
                                  act_cfg=dict(type='HSwish'))
        self.conv_h = nn.Conv2d(mid, out_channels, 1)
        self.conv_w = nn.Conv2d(mid, out_channels, 1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        n, c, h, w = x.shape
        strip_h = x.mean(dim=3, keepdim=True)                    # N, C, H, 1
        strip_w = x.mean(dim=2, keepdim=True).permute(0, 1, 3, 2)  # N, C, W, 1
        y = self.squeeze(torch.cat([strip_h, strip_w], dim=2))
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = torch.sigmoid(self.conv_h(y_h)).expand(-1, -1, h, w)
        a_w = torch.sigmoid(self.conv_w(y_w.permute(0, 1, 3, 2))).expand(-1, -1, h, w)
        return a_w, a_h
