"""GOLD's difference-attention fusion of the concatenated dates (official ``TripleEUNet``)."""
from typing import Dict, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.registry import MODELS


@MODELS.register_module()
class DifferenceMapFusion(BaseModule):
    """A learned difference map, concatenated to the features and fused.

    ``M = sigmoid(conv1x1(ReLU(BN(conv3x3(F)))))`` (one channel), then
    ``F' = ReLU(BN(conv3x3([F, M])))`` with ``in_channels`` outputs. Returns ``F'`` and
    ``dict(difference=M)``.

    Args:
        in_channels: channels of the concatenated dates (official: 2 x 128).
        channels: hidden channels of the map branch (official: 128).
    """

    def __init__(self, in_channels: int, channels: int, norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.map = nn.Sequential(
            ConvModule(in_channels, channels, 3, padding=1, norm_cfg=norm_cfg),
            nn.Conv2d(channels, 1, 1), nn.Sigmoid())
        self.fusion = ConvModule(in_channels + 1, in_channels, 3, padding=1, norm_cfg=norm_cfg)

    def forward(self, x: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        if x.shape[1] != self.in_channels:
            raise ValueError(f'DifferenceMapFusion(in_channels={self.in_channels}) got features '
                             f'with {x.shape[1]} channels')
        diff = self.map(x)
        return self.fusion(torch.cat([x, diff], dim=1)), dict(difference=diff)
