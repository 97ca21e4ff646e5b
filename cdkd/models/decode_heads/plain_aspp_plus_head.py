import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPHead
from mmseg.models.utils import resize
from torch import nn

from cdkd.registry import MODELS


@MODELS.register_module()
class PlainASPPPlusHead(ASPPHead):
    """DeepLabV3+ with a plain (not depthwise-separable) ASPP and decoder, as the official KD-MSI
    stage 2 (``core/deeplab_utils.py``; mmseg's ``DepthwiseSeparableASPPHead`` uses separable
    convs, a 3x3 ASPP bottleneck and no decoder dropouts, so it is not that network).

    - ASPP (mmseg's ``ASPPHead`` parts): image pooling + 1x1 + three 3x3 atrous branches
      (``dilations``), concatenated, then a **1x1** bottleneck + norm + ReLU + Dropout(0.5).
    - Decoder: the low-level input (``c1_in_channels``, the stride-4 features) -> 1x1 conv to
      ``c1_channels`` (48) + norm + ReLU; the ASPP output upsampled to it and concatenated; 3x3
      conv + norm + ReLU + Dropout(``decoder_dropout``, 0.5), 3x3 conv + norm + ReLU, then
      ``cls_seg`` (element-wise Dropout(``dropout_ratio``, 0.1) + 1x1 conv with bias).
    - All convolutions but ``conv_seg`` have no bias and Kaiming-normal (fan-in) weights, as the
      official ``initialize``; the official concatenates the pooled branch last, here it is first
      (a fixed permutation of the bottleneck's input channels).

    Use ``norm_cfg=dict(type='GN', num_groups=4)`` for the official ``--use_gn True`` and
    ``align_corners=True`` for its resizes.

    Args:
        c1_in_channels / c1_channels: low-level input channels / their 1x1 projection.
        aspp_dropout: dropout after the ASPP bottleneck (0.5).
        decoder_dropout: dropout between the decoder's 3x3 convs (0.5).
    """

    def __init__(self, c1_in_channels: int, c1_channels: int = 48, aspp_dropout: float = 0.5,
                 decoder_dropout: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        cfg = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.bottleneck = nn.Sequential(
            ConvModule((len(self.dilations) + 1) * self.channels, self.channels, 1, **cfg),
            nn.Dropout(aspp_dropout))
        self.c1_bottleneck = ConvModule(c1_in_channels, c1_channels, 1, **cfg)
        self.decoder = nn.Sequential(
            ConvModule(self.channels + c1_channels, self.channels, 3, padding=1, **cfg),
            nn.Dropout(decoder_dropout),
            ConvModule(self.channels, self.channels, 3, padding=1, **cfg))
        # element-wise nn.Dropout as the official classifier (mmseg's cls_seg uses Dropout2d)
        self.dropout = nn.Dropout(self.dropout_ratio) if self.dropout_ratio > 0 else None

    def init_weights(self):
        super().init_weights()
        for name, m in self.named_modules():
            if isinstance(m, nn.Conv2d) and not name.startswith('conv_seg'):
                nn.init.kaiming_normal_(m.weight)
        nn.init.kaiming_normal_(self.conv_seg.weight)

    def forward(self, inputs):
        x = self._transform_inputs(inputs)
        aspp_outs = [resize(self.image_pool(x), size=x.shape[2:], mode='bilinear',
                            align_corners=self.align_corners)]
        aspp_outs.extend(self.aspp_modules(x))
        output = self.bottleneck(torch.cat(aspp_outs, dim=1))
        c1 = self.c1_bottleneck(inputs[0])
        output = resize(output, size=c1.shape[2:], mode='bilinear',
                        align_corners=self.align_corners)
        output = self.decoder(torch.cat([output, c1], dim=1))
        return self.cls_seg(output)
