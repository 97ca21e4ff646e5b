"""TinyCD's decoder: masked up-sampling and a pixel-wise classifier."""
from typing import List, Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor, nn

from cdkd.models.layers.tinycd_blocks import UpMask, pixelwise_mlp
from cdkd.registry import MODELS


@MODELS.register_module()
class TinyCDHead(BaseDecodeHead):
    """From the deepest mixed features up: at each shallower level, upsample to its mask, multiply
    by it, convolve (``UpMask``); then the pixel-wise classifier (1x1 convs with PReLU) whose last
    1x1 conv is mmseg's ``conv_seg``. With ``out_channels=1`` and a sigmoid cross-entropy this is
    the official single sigmoid output trained with BCE; the sigmoid is mmseg's (applied once, at
    prediction), not inside the head.

    Args:
        in_channels: channels of the neck's outputs, ``[1, ..., 1, deepest]`` (the one-channel
            masks, then the mixed deepest level), with ``input_transform='multiple_select'``.
        up_channels: output channels of each ``UpMask``, deepest first (official: 64, 64, 32).
        classifier_hidden: hidden widths of the classifier before ``conv_seg`` (official: 16);
            ``channels`` is the input width of ``conv_seg`` (official: 8).
    """

    def __init__(self, in_channels: Sequence[int], up_channels: Sequence[int] = (64, 64, 32),
                 classifier_hidden: Sequence[int] = (16, ), **kwargs):
        kwargs.setdefault('dropout_ratio', 0.0)
        kwargs.setdefault('channels', 8)
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        if len(in_channels) != len(up_channels) + 1 or any(c != 1 for c in in_channels[:-1]):
            raise ValueError(f'in_channels must be {len(up_channels)} one-channel masks and the '
                             f'deepest level, got {list(in_channels)}')
        super().__init__(in_channels=in_channels, **kwargs)
        widths = [in_channels[-1], *up_channels]
        self.ups = nn.ModuleList([UpMask(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.classifier = pixelwise_mlp([up_channels[-1], *classifier_hidden, self.channels])

    def forward(self, inputs: List[Tensor]) -> Tensor:
        if len(inputs) != len(self.ups) + 1:
            raise ValueError(f'TinyCDHead with {len(self.ups)} up-sampling blocks expects '
                             f'{len(self.ups) + 1} inputs (masks + deepest), got {len(inputs)}')
        x = inputs[-1]
        for up, mask in zip(self.ups, reversed(inputs[:-1])):
            x = up(x, mask)
        return self.cls_seg(self.classifier(x))
