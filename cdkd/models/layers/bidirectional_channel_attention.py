"""GOLD's cross-modal bidirectional channel attention (the "improved encoder")."""
from typing import Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.registry import MODELS


def _mlp(in_channels: int, hidden: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, hidden, 1, bias=False), nn.ReLU(inplace=True),
        nn.Conv2d(hidden, out_channels, 1, bias=False))


@MODELS.register_module()
class BidirectionalChannelAttention(BaseModule):
    """Exchange channel attention between the two dates' features.

    ``W_i = sigmoid(MLP(avg F_i) + MLP(max F_i))`` per date (one shared MLP),
    ``W_s = sigmoid(MLP_s([avg F_1, avg F_2]) + MLP_s([max F_1, max F_2]))`` shared, and
    ``F_1' = F_1 W_2 + F_1 W_s + F_1``, ``F_2' = F_2 W_1 + F_2 W_s + F_2``.

    Args:
        in_channels: channels of each date's features.
        reduction: hidden width of both MLPs is ``in_channels // reduction``.
    """

    def __init__(self, in_channels: int, reduction: int = 16, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        hidden = in_channels // reduction
        if hidden < 1:
            raise ValueError(f'in_channels={in_channels} // reduction={reduction} leaves no '
                             'hidden channel')
        self.in_channels = in_channels
        self.shared_mlp = _mlp(in_channels, hidden, in_channels)
        self.specific_mlp = _mlp(2 * in_channels, hidden, in_channels)

    def forward(self, x1: Tensor, x2: Tensor) -> Tuple[Tensor, Tensor]:
        for x in (x1, x2):
            if x.shape[1] != self.in_channels:
                raise ValueError(f'BidirectionalChannelAttention(in_channels={self.in_channels}) '
                                 f'got features with {x.shape[1]} channels')
        avg1, max1 = x1.mean(dim=(2, 3), keepdim=True), x1.amax(dim=(2, 3), keepdim=True)
        avg2, max2 = x2.mean(dim=(2, 3), keepdim=True), x2.amax(dim=(2, 3), keepdim=True)
        w1 = torch.sigmoid(self.shared_mlp(avg1) + self.shared_mlp(max1))
        w2 = torch.sigmoid(self.shared_mlp(avg2) + self.shared_mlp(max2))
        w_s = torch.sigmoid(
            self.specific_mlp(torch.cat([avg1, avg2], dim=1)) +
            self.specific_mlp(torch.cat([max1, max2], dim=1)))
        return x1 * w2 + x1 * w_s + x1, x2 * w1 + x2 * w_s + x2
