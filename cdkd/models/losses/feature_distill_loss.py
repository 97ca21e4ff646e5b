"""Feature-level (interlayer) distillation between teacher and student activations."""
from typing import Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from cdkd.registry import MODELS
from .pixel_kl_loss import check_pair
from .utils import float32_forward

Features = Union[Tensor, Sequence[Tensor]]


@MODELS.register_module()
class FeatureDistillLoss(nn.Module):
    """MSE or cosine distance between teacher and student features of equal shape.

    A tuple/list of features (e.g. a multi-level backbone or neck output recorded by
    ``ModuleOutputRecorder``) gives the mean of the per-level losses.

    Args:
        metric: ``'mse'`` (mean squared difference over all elements) or ``'cosine'``
            (mean over positions of 1 - cosine similarity along the channel dimension 1).
        loss_weight: multiplier of the loss.
        loss_name: key in the loss dict.
    """

    def __init__(self, metric: str = 'mse', loss_weight: float = 1.0,
                 loss_name: str = 'loss_feat'):
        super().__init__()
        if metric not in ('mse', 'cosine'):
            raise ValueError(f"metric must be 'mse' or 'cosine', got {metric!r}")
        self.metric = metric
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def _single(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_pair(student, teacher, self.__class__.__name__)
        if self.metric == 'mse':
            return F.mse_loss(student, teacher)
        return (1 - F.cosine_similarity(student, teacher, dim=1, eps=1e-8)).mean()

    @float32_forward
    def forward(self, student: Features, teacher: Features) -> Tensor:
        if isinstance(student, Tensor):
            return self.loss_weight * self._single(student, teacher)
        if len(student) != len(teacher) or not len(student):
            raise ValueError(f'{self.__class__.__name__}: {len(student)} student and '
                             f'{len(teacher)} teacher feature levels')
        levels = [self._single(s, t) for s, t in zip(student, teacher)]
        return self.loss_weight * sum(levels) / len(levels)

    @property
    def loss_name(self) -> str:
        return self._loss_name
