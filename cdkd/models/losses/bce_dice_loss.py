"""STKDNet's BCE + Dice loss on 2-channel logits (official ``models/losses.py:39-98``)."""
from typing import Optional

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from cdkd.registry import MODELS


def bce_dice(logits: Tensor, target: Tensor, bce_weight: float = 0.75, dice_weight: float = 0.25,
             smooth: float = 1e-5, valid: Optional[Tensor] = None) -> Tensor:
    """``bce_weight * BCEWithLogits(logits, one_hot(target)) + dice_weight * (1 - Dice)``.

    The BCE is the mean over every channel and pixel; the Dice is per sample over all channels
    and pixels of ``sigmoid(logits)`` against the one-hot target, averaged over the batch, with
    ``smooth`` added to numerator and denominator (the official ``BCEDiceLoss``). ``valid``
    (N, H, W) bool excludes pixels from both (cdkd's handling of ignored labels; the official code
    has none).

    Args:
        logits: (N, C, H, W) raw scores, C = number of classes (2 for STKDNet).
        target: (N, H, W) integer labels in [0, C).
    """
    n, c = logits.shape[:2]
    if target.shape != (n, *logits.shape[2:]):
        raise ValueError(f'target shape {tuple(target.shape)} does not match logits '
                         f'{tuple(logits.shape)} (expected (N, H, W))')
    if valid is None:
        valid = torch.ones_like(target, dtype=torch.bool)
    safe = torch.where(valid, target, torch.zeros_like(target)).long()
    if safe.numel() and (safe.min() < 0 or safe.max() >= c):
        raise ValueError(f'labels must lie in [0, {c}) (or be ignored), got '
                         f'{int(safe.min())}..{int(safe.max())}')
    onehot = F.one_hot(safe, c).permute(0, 3, 1, 2).to(logits.dtype)
    mask = valid.unsqueeze(1).to(logits.dtype).expand_as(logits)
    bce = F.binary_cross_entropy_with_logits(logits, onehot, reduction='none')
    bce = (bce * mask).sum() / mask.sum().clamp_min(1.0)
    prob = torch.sigmoid(logits) * mask
    onehot = onehot * mask
    inter = (prob * onehot).reshape(n, -1).sum(1)
    dice = (2.0 * inter + smooth) / (prob.reshape(n, -1).sum(1) + onehot.reshape(n, -1).sum(1)
                                     + smooth)
    return bce_weight * bce + dice_weight * (1.0 - dice.mean())


@MODELS.register_module()
class BCEDiceLoss(nn.Module):
    """:func:`bce_dice` against the label, as an mmseg ``loss_decode`` (``loss_bce_dice``).

    Args:
        bce_weight, dice_weight: 0.75 / 0.25 in STKDNet.
        smooth: Dice smoothing (1e-5).
        loss_weight: multiplies the result.
    """

    def __init__(self, bce_weight: float = 0.75, dice_weight: float = 0.25, smooth: float = 1e-5,
                 loss_weight: float = 1.0, loss_name: str = 'loss_bce_dice'):
        super().__init__()
        self.bce_weight = bce_weight
        self.dice_weight = dice_weight
        self.smooth = smooth
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor, weight=None, ignore_index: int = 255,
                **kwargs) -> Tensor:
        if weight is not None:
            raise ValueError('BCEDiceLoss does not take per-pixel weights (seg_weight)')
        valid = target != ignore_index
        return self.loss_weight * bce_dice(pred, target, self.bce_weight, self.dice_weight,
                                           self.smooth, valid)

    @property
    def loss_name(self) -> str:
        return self._loss_name


TARGET_RULES = ('mean_logit', 'argmax')


@MODELS.register_module()
class HardTargetBCEDiceLoss(BCEDiceLoss):
    """STKDNet's distillation term (official ``NewBCEDiceLoss``): :func:`bce_dice` of the student
    logits against a hard teacher target, built without gradient (nothing reaches the teacher
    through this term).

    Args:
        target_rule: ``'mean_logit'`` (official, ``losses.py:76-79``): ``1[mean_c(teacher logits)
            > threshold]``. With 2-channel logits trained towards one-hot targets the two logits
            of a pixel have opposite signs, so their mean is near 0 for changed and unchanged
            pixels alike and the target is mostly "no change". ``'argmax'`` (cdkd's variant,
            ``stkd-argmax-target_*`` configs): the teacher's predicted class.
        threshold: for ``'mean_logit'`` (0.5).
    """

    def __init__(self, target_rule: str = 'mean_logit', threshold: float = 0.5,
                 loss_name: str = 'loss_hard_bce_dice', **kwargs):
        super().__init__(loss_name=loss_name, **kwargs)
        if target_rule not in TARGET_RULES:
            raise ValueError(f'target_rule must be one of {TARGET_RULES}, got {target_rule!r}')
        self.target_rule = target_rule
        self.threshold = threshold

    def hard_target(self, teacher_logits: Tensor) -> Tensor:
        with torch.no_grad():
            if self.target_rule == 'argmax':
                return teacher_logits.argmax(dim=1)
            return (teacher_logits.mean(dim=1) > self.threshold).long()

    def forward(self, student_logits: Tensor, teacher_logits: Tensor, **kwargs) -> Tensor:
        if student_logits.shape != teacher_logits.shape:
            raise ValueError(f'student logits {tuple(student_logits.shape)} and teacher logits '
                             f'{tuple(teacher_logits.shape)} differ')
        return self.loss_weight * bce_dice(student_logits, self.hard_target(teacher_logits),
                                           self.bce_weight, self.dice_weight, self.smooth)
