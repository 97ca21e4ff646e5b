"""Connectors: modules that map a recorded output before a distillation loss (mmrazor's
``connectors``)."""
from typing import Optional

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from cdkd.models.utils import change_logit
from cdkd.registry import MODELS


@MODELS.register_module()
class ConvModuleConnector(ConvModule):
    """Learnable adapter (mmrazor's ``ConvModuleConnector``, same arguments and defaults): a conv
    with optional norm/activation, e.g. the 1x1 conv + BN that maps student features to the
    teacher's width: ``dict(type='ConvModuleConnector', in_channel=96, out_channel=2048,
    norm_cfg=dict(type='BN'), act_cfg=None)``. A stride mismatch is handled by the distiller (it
    resizes the teacher's tensors to the student's size), not here.
    """

    def __init__(self, in_channel: int, out_channel: int, kernel_size=1, stride=1, padding=0,
                 norm_cfg: Optional[dict] = None, act_cfg: Optional[dict] = dict(type='ReLU'),
                 **kwargs):
        super().__init__(in_channel, out_channel, kernel_size, stride=stride, padding=padding,
                         norm_cfg=norm_cfg, act_cfg=act_cfg, **kwargs)


@MODELS.register_module()
class ChangeLogitConnector(nn.Module):
    """Parameter-free map between the two change-head types, so a 2-class softmax teacher can
    distil a single-logit sigmoid student and vice versa, with the probabilities kept exactly:

    - ``out_channels=1``: ``(N, 2, H, W)`` softmax logits -> ``l_change - l_unchanged``, whose
      sigmoid is the softmax change probability;
    - ``out_channels=2``: ``(N, 1, H, W)`` logit ``l`` -> ``(0, l)``, whose softmax is
      ``(1 - sigmoid(l), sigmoid(l))``.

    Inputs that already have ``out_channels`` channels pass unchanged.
    """

    def __init__(self, out_channels: int):
        super().__init__()
        if out_channels not in (1, 2):
            raise ValueError(f'out_channels must be 1 (sigmoid) or 2 (softmax), got {out_channels}')
        self.out_channels = out_channels

    def forward(self, logits: Tensor) -> Tensor:
        if logits.shape[1] == self.out_channels:
            return logits
        if self.out_channels == 1:
            return change_logit(logits)[:, None]
        if logits.shape[1] != 1:
            raise ValueError(f'expected 1 or 2 logit channels, got {logits.shape[1]}')
        return torch.cat([torch.zeros_like(logits), logits], dim=1)
