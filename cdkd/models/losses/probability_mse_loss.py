"""Mean squared error between teacher and student change probabilities."""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from cdkd.registry import MODELS
from .pixel_kl_loss import check_pair, masked_mean
from .utils import float32_forward


def change_probabilities(logits: Tensor, temperature: float = 1.0) -> Tensor:
    """Sigmoid of a single logit channel, softmax over several channels."""
    logits = logits / temperature
    return torch.sigmoid(logits) if logits.shape[1] == 1 else logits.softmax(dim=1)


@MODELS.register_module()
class ProbabilityMSELoss(nn.Module):
    """Per-pixel squared difference of the class probabilities (sigmoid for one logit, softmax
    otherwise), summed over classes and averaged over (valid) pixels.

    Args:
        temperature: logits are divided by it before the sigmoid/softmax.
        loss_weight: multiplier of the loss.
        loss_name: key in the loss dict.
    """

    def __init__(self, temperature: float = 1.0, loss_weight: float = 1.0,
                 loss_name: str = 'loss_prob_mse'):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be positive, got {temperature}')
        self.temperature = temperature
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @float32_forward
    def forward(self, student: Tensor, teacher: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        check_pair(student, teacher, self.__class__.__name__)
        diff = (change_probabilities(student, self.temperature)
                - change_probabilities(teacher, self.temperature)) ** 2
        return self.loss_weight * masked_mean(diff.sum(dim=1), valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name
