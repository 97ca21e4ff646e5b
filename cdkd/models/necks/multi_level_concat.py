"""Per-date multi-level fusion to one stride-4 map (GOLD's ``base_forward``)."""
from typing import List, Sequence

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from torch import Tensor, nn

from cdkd.registry import MODELS


@MODELS.register_module()
class MultiLevelConcatNeck(BaseModule):
    """Project every level to ``channels`` (1x1 conv-BN-ReLU), upsample to the first level,
    concatenate and fuse with a 1x1 conv-BN (no activation). One image's features in, one map out.

    Unlike mmseg's FPN or SegFormer head it is a neck of a *single date*: the two dates are fused
    later (GOLD concatenates them after the cross-modal attention).

    Args:
        in_channels: channels of the backbone levels, e.g. ``[64, 128, 256, 512]`` (ResNet-18).
        channels: width of every projection and of the output (official: 128).
        align_corners: of the bilinear upsampling (official: False).
    """

    def __init__(self, in_channels: Sequence[int], channels: int = 128,
                 norm_cfg: dict = dict(type='BN'), align_corners: bool = False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = tuple(in_channels)
        self.channels = channels
        self.align_corners = align_corners
        self.projections = nn.ModuleList(
            ConvModule(c, channels, 1, norm_cfg=norm_cfg) for c in self.in_channels)
        self.fusion = ConvModule(
            channels * len(self.in_channels), channels, 1, norm_cfg=norm_cfg, act_cfg=None)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        if len(feats) != len(self.in_channels):
            raise ValueError(f'MultiLevelConcatNeck has {len(self.in_channels)} levels '
                             f'(in_channels={self.in_channels}) but got {len(feats)} feature maps')
        size = feats[0].shape[2:]
        outs: List[Tensor] = []
        for proj, x in zip(self.projections, feats):
            y = proj(x)
            if y.shape[2:] != size:
                y = resize(y, size=size, mode='bilinear', align_corners=self.align_corners)
            outs.append(y)
        return self.fusion(torch.cat(outs, dim=1))
