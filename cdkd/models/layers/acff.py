"""SEIFNet's adaptive context feature fusion (ACFF, the official ``ACFF2``): one decoder step."""
from mmcv.cnn import ConvModule
from torch import Tensor, nn
from torch.nn import functional as F

from .cbam import ChannelAttention


class ACFF(nn.Module):
    """Merge a coarse map into the next finer level with a channel-attention gate.

    ``f_high`` is upsampled bilinearly (align_corners=True) to ``f_low``'s size, then 1x1 conv
    (with bias) -> BN -> ReLU to ``low_channels``; ``w = A_ch(f_high + f_low)``; output
    ``f_low * w + f_high * (1 - w)``.
    """

    def __init__(self, low_channels: int, high_channels: int, ratio: int = 16,
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.reduce = ConvModule(high_channels, low_channels, 1, bias=True, norm_cfg=norm_cfg)
        self.channel_attention = ChannelAttention(low_channels, ratio)

    def forward(self, f_low: Tensor, f_high: Tensor) -> Tensor:
        f_high = F.interpolate(f_high, size=f_low.shape[2:], mode='bilinear', align_corners=True)
        f_high = self.reduce(f_high)
        w = self.channel_attention(f_high + f_low)
        return f_low * w + f_high * (1 - w)
