from typing import List, Sequence

from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.models.layers.codem import CoDEM
from cdkd.registry import MODELS


@MODELS.register_module()
class CoDEMNeck(BaseModule):
    """SEIFNet's fusion of the two dates: one ``CoDEM`` per level (the official ``diff1..4``).

    Args:
        in_channels: channels of each backbone level (``[64, 128, 256, 512]`` for ResNet-18);
            the output keeps them.
        reduction: coordinate-attention reduction (16 in SEIFNet; its mid width is at least 8).
    """

    def __init__(self, in_channels: Sequence[int], reduction: int = 16,
                 norm_cfg: dict = dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = list(in_channels)
        self.codems = nn.ModuleList([CoDEM(c, reduction, norm_cfg) for c in self.in_channels])

    def forward(self, feats1: Sequence[Tensor], feats2: Sequence[Tensor]) -> List[Tensor]:
        if not len(feats1) == len(feats2) == len(self.codems):
            raise ValueError(f'CoDEMNeck has {len(self.codems)} levels, got {len(feats1)} (t1) '
                             f'and {len(feats2)} (t2)')
        return [m(f1, f2) for m, f1, f2 in zip(self.codems, feats1, feats2)]
