"""SEIFNet's change-offset difference enhancement module (CoDEM) for one feature level."""
import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from .coord_attention import CoordAttention


class CoDEM(nn.Module):
    """Fuse the two dates' features of one level: ``z_d + z_c`` with

    * ``z_d = |x1 - x2| * a_w * a_h``: the absolute difference weighted by its coordinate attention,
    * ``z_c``: ``[x1, x2]`` through 3x3 conv (2C -> 2C) -> BN -> ReLU -> 1x1 conv (2C -> C) -> BN ->
      ReLU (both convs with biases, as the official ``CoDEM2``).

    Output channels = input channels.
    """

    def __init__(self, channels: int, reduction: int = 16, norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.concat_branch = nn.Sequential(
            ConvModule(2 * channels, 2 * channels, 3, padding=1, bias=True, norm_cfg=norm_cfg),
            ConvModule(2 * channels, channels, 1, bias=True, norm_cfg=norm_cfg))
        self.coord_attention = CoordAttention(channels, channels, reduction=reduction,
                                              norm_cfg=norm_cfg)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        diff = (x1 - x2).abs()
        a_w, a_h = self.coord_attention(diff)
        return diff * a_w * a_h + self.concat_branch(torch.cat([x1, x2], dim=1))
