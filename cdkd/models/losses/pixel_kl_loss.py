"""Per-pixel KL distillation between teacher and student change logits."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from cdkd.registry import MODELS
from .utils import float32_forward


def check_pair(student: Tensor, teacher: Tensor, name: str) -> None:
    if student.shape != teacher.shape:
        raise ValueError(f'{name}: student {tuple(student.shape)} and teacher '
                         f'{tuple(teacher.shape)} outputs differ in shape')


def masked_mean(per_pixel: Tensor, valid_mask: Optional[Tensor]) -> Tensor:
    """Mean of an ``N x H x W`` map over the pixels where ``valid_mask`` (``N x H x W``) is true."""
    if valid_mask is None:
        return per_pixel.mean()
    if valid_mask.shape != per_pixel.shape:
        raise ValueError(f'valid_mask {tuple(valid_mask.shape)} does not match the per-pixel loss '
                         f'{tuple(per_pixel.shape)}')
    mask = valid_mask.to(per_pixel.dtype)
    return (per_pixel * mask).sum() / mask.sum().clamp(min=1.0)


def pixel_kl_div(student: Tensor, teacher: Tensor, temperature: float = 1.0) -> Tensor:
    """KL(teacher || student) per pixel, ``N x H x W``, from ``N x C x H x W`` logits.

    One channel is a sigmoid (Bernoulli) logit: KL = p log(p / q) + (1 - p) log((1 - p) / (1 - q));
    several channels are softmax logits (softmax over one channel would be identically zero).
    Logits are divided by ``temperature``; the result is *not* scaled by T^2.
    """
    s, t = student / temperature, teacher / temperature
    if s.shape[1] == 1:
        p = torch.sigmoid(t)
        kl = (p * (F.logsigmoid(t) - F.logsigmoid(s))
              + (1 - p) * (F.logsigmoid(-t) - F.logsigmoid(-s)))
        return kl[:, 0]
    log_p = F.log_softmax(t, dim=1)
    return (log_p.exp() * (log_p - F.log_softmax(s, dim=1))).sum(dim=1)


@MODELS.register_module()
class PixelKLDivLoss(nn.Module):
    """Temperature-scaled per-pixel KL(teacher || student), averaged over (valid) pixels, x T^2.

    Sigmoid-aware (a single logit gives the Bernoulli KL) and softmax-aware (C >= 2 channels give
    the categorical KL), as in Hinton et al.'s distillation with the T^2 gradient scaling.

    Args:
        temperature: softening temperature T.
        loss_weight: multiplier of the loss.
        loss_name: key of the loss in the loss dict (must contain ``loss`` to be back-propagated).
    """

    def __init__(self, temperature: float = 1.0, loss_weight: float = 1.0,
                 loss_name: str = 'loss_kl'):
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
        kl = pixel_kl_div(student, teacher, self.temperature)
        return self.loss_weight * self.temperature ** 2 * masked_mean(kl, valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name
