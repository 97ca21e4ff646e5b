"""SEIFNet's decoder (Huang et al. 2024, official ``SEIFNet`` in cyl1238685387/STILKDNet
``models/networks.py:493-585``): supervised attention per level, ACFF top-down fusion, the sum of
all levels at stride 4, x4 bilinear upsampling and a 1x1 classifier at full resolution."""
from typing import List, Sequence

from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor, nn
from torch.nn import functional as F

from cdkd.models.layers.acff import ACFF
from cdkd.models.layers.cbam import CBAM
from cdkd.registry import MODELS


class SupervisedAttention(nn.Module):
    """SEIFNet's "supervised attention module": CBAM then 3x3 conv (with bias) -> BN -> ReLU."""

    def __init__(self, channels: int, norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.cbam = CBAM(channels)
        self.conv = ConvModule(channels, channels, 3, padding=1, bias=True, norm_cfg=norm_cfg)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.cbam(x))


@MODELS.register_module()
class SEIFNetHead(BaseDecodeHead):
    """SEIFNet decoder on the per-level fused features (e.g. of ``CoDEMNeck``).

    From the coarsest level: ``p_L = SAM_L(d_L)``, ``p_i = SAM_i(ACFF_i(d_i, p_{i+1}))``; every
    coarser ``p_i`` is upsampled bilinearly to ``p_1``'s size and projected by a 1x1 conv (with
    bias) to ``channels``; their sum with ``p_1`` is upsampled x4 and classified by ``conv_seg``
    (1x1, ``channels -> num_classes``), so the logits are at 4 x the finest level's resolution
    (the input resolution for a stride-4 backbone), as the official network outputs them.

    Args:
        in_channels: channels of each level, finest first (``[64, 128, 256, 512]`` for ResNet-18).
        channels: width of the summed map; must equal ``in_channels[0]`` (the finest level enters
            the sum without a projection, as in the official code).
        upsample_factor: final bilinear upsampling before ``conv_seg`` (4 for SEIFNet).
        kwargs: ``BaseDecodeHead``'s; here ``dropout_ratio`` defaults to 0 (SEIFNet has no dropout)
            and ``norm_cfg`` to BN.
    """

    def __init__(self, in_channels: Sequence[int], channels: int, upsample_factor: int = 4,
                 **kwargs):
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        kwargs.setdefault('dropout_ratio', 0.0)
        kwargs.setdefault('norm_cfg', dict(type='BN'))
        super().__init__(in_channels=list(in_channels), channels=channels, **kwargs)
        if channels != self.in_channels[0]:
            raise ValueError(f'SEIFNetHead: channels ({channels}) must equal in_channels[0] '
                             f'({self.in_channels[0]}), the finest level is summed unprojected')
        self.upsample_factor = upsample_factor
        self.sams = nn.ModuleList(
            [SupervisedAttention(c, self.norm_cfg) for c in self.in_channels])
        self.acffs = nn.ModuleList([
            ACFF(self.in_channels[i], self.in_channels[i + 1], norm_cfg=self.norm_cfg)
            for i in range(len(self.in_channels) - 1)])
        self.laterals = nn.ModuleList(
            [nn.Conv2d(c, channels, 1) for c in self.in_channels[1:]])

    def forward(self, inputs: List[Tensor]) -> Tensor:
        feats = self._transform_inputs(inputs)
        p = self.sams[-1](feats[-1])
        levels = [p]
        for i in reversed(range(len(feats) - 1)):
            p = self.sams[i](self.acffs[i](feats[i], p))
            levels.insert(0, p)
        size = levels[0].shape[2:]
        out = levels[0]
        for lateral, level in zip(self.laterals, levels[1:]):
            out = out + lateral(F.interpolate(level, size=size, mode='bilinear',
                                              align_corners=False))
        out = F.interpolate(out, scale_factor=self.upsample_factor, mode='bilinear',
                            align_corners=False)
        return self.cls_seg(out)
