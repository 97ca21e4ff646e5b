from typing import Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.models.necks.feature_fusion import FeatureFusionNeck
from cdkd.registry import MODELS


@MODELS.register_module()
class SiameseCAMNet(BaseModule):
    """KD-MSI's Siamese network: a shared encoder on both dates, one fusion of the last-level
    features (F1 ++ F2, F1 - F2 or |F1 - F2|) and a 1x1 conv to a single-channel map ``G``.

    The official ``Classifier_Siamese`` (``core/networks.py:70-102``) fuses as [F2, F1] and F2 - F1;
    cdkd's [F1, F2] and F1 - F2 are the same up to a permutation / sign of the 1x1 weights, whose
    (symmetric, Kaiming-normal) initialisation makes them identical in distribution.

    Args:
        backbone: mmseg backbone config (ResNet-50 / ResNetV1c in the paper).
        in_channels: channels of the used backbone level (2048 for ResNet-50).
        fusion: 'concat' (KD-MSI ``cat``), 'diff' (``minus``) or 'abs_diff' (``abs``).
        in_index: backbone level that is fused (the last one in KD-MSI).
        temporal_bands: bands of each date in the channel-stacked input.
        classifier_bias: bias of the 1x1 conv (official: False, ``core/networks.py:75,77``).
        joint_date_batch: run the backbone once on both dates stacked on the batch (BatchNorm
            statistics over both dates). False (official: ``forward1`` is called per date,
            ``core/networks.py:93-97``) runs it once per date, so training-mode BatchNorm
            normalises each date by its own statistics.
    """

    def __init__(self, backbone: dict, in_channels: int = 2048, fusion: str = 'abs_diff',
                 in_index: int = -1, temporal_bands: Sequence[int] = (3, 3),
                 classifier_bias: bool = False, joint_date_batch: bool = False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.fusion = FeatureFusionNeck(policy=fusion)
        self.in_index = in_index
        self.temporal_bands = tuple(int(b) for b in temporal_bands)
        if len(self.temporal_bands) != 2 or self.temporal_bands[0] != self.temporal_bands[1]:
            raise ValueError(f'a shared encoder needs two equal band counts, got {temporal_bands}')
        fused = 2 * in_channels if fusion == 'concat' else in_channels
        self.classifier = nn.Conv2d(fused, 1, kernel_size=1, bias=classifier_bias)
        nn.init.kaiming_normal_(self.classifier.weight)  # official ABC_Model.initialize
        self.joint_date_batch = joint_date_batch

    def forward(self, inputs: Tensor) -> Tensor:
        """``(N, 2C, H, W)`` stacked dates -> ``G`` ``(N, 1, h, w)`` at the feature stride."""
        if inputs.shape[1] != sum(self.temporal_bands):
            raise ValueError(f'inputs have {inputs.shape[1]} channels, temporal_bands='
                             f'{self.temporal_bands} expects {sum(self.temporal_bands)}')
        img1, img2 = torch.split(inputs, self.temporal_bands, dim=1)
        if self.joint_date_batch:
            feats = self.backbone(torch.cat([img1, img2], dim=0))[self.in_index]
            feat1, feat2 = feats[:img1.shape[0]], feats[img1.shape[0]:]
        else:
            feat1 = self.backbone(img1)[self.in_index]
            feat2 = self.backbone(img2)[self.in_index]
        return self.classifier(self.fusion([feat1], [feat2])[0])
