from typing import List, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor

from cdkd.registry import MODELS

FUSION_POLICIES = ('concat', 'diff', 'abs_diff', 'sum')


def fuse_features(feat1: Tensor, feat2: Tensor, policy: str) -> Tensor:
    """Combine two temporal feature maps; ``diff`` is t1 - t2 as in KD-MSI's ``minus``."""
    if policy == 'concat':
        return torch.cat([feat1, feat2], dim=1)
    if policy == 'diff':
        return feat1 - feat2
    if policy == 'abs_diff':
        return (feat1 - feat2).abs()
    if policy == 'sum':
        return feat1 + feat2
    raise ValueError(f'unknown fusion policy {policy!r}; choose one of {FUSION_POLICIES}')


@MODELS.register_module()
class FeatureFusionNeck(BaseModule):
    """Fuse the per-level features of two dates with one policy.

    ``concat`` doubles the channels of every level: the decode head's ``in_channels`` (and
    ``c1_in_channels`` of DeepLabV3+) must be set for the fused width.

    Args:
        policy: 'concat', 'diff' (t1 - t2), 'abs_diff' (|t1 - t2|) or 'sum'.
        out_indices: levels to keep (all by default).
    """

    def __init__(self, policy: str = 'concat', out_indices: Sequence[int] = None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if policy not in FUSION_POLICIES:
            raise ValueError(f'unknown fusion policy {policy!r}; choose one of {FUSION_POLICIES}')
        self.policy = policy
        self.out_indices = tuple(out_indices) if out_indices is not None else None

    def forward(self, feats1: Sequence[Tensor], feats2: Sequence[Tensor]) -> List[Tensor]:
        if len(feats1) != len(feats2):
            raise ValueError(f'got {len(feats1)} levels for t1 and {len(feats2)} for t2')
        indices = self.out_indices if self.out_indices is not None else range(len(feats1))
        return [fuse_features(feats1[i], feats2[i], self.policy) for i in indices]
