"""GOLD's Dice loss (official ``models/loss.py`` ``Dice_loss``), with its target slicing."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cdkd.registry import MODELS


def gold_dice_loss(logits: Tensor,
                   target: Tensor,
                   ignore_index: int = 255,
                   beta: float = 1.0,
                   smooth: float = 1e-5,
                   drop_last_target_channel: bool = True) -> Tensor:
    """``1 - mean_c F_beta(c)`` of softmax probabilities against the one-hot label, counted over
    the whole batch (not per image), linear denominators:
    ``F_c = ((1 + b^2) tp_c + s) / ((1 + b^2) tp_c + b^2 fn_c + fp_c + s)``.

    ``drop_last_target_channel=True`` is the official code: it keeps ``one_hot[..., :-1]`` (a
    slice meant for a one-hot with an extra "ignore" channel) of a 2-channel one-hot, so only the
    background indicator ``t_0`` is compared with *every* class probability: class 0 gets its
    Dice, class 1 the Dice of "predicted changed" against "labelled unchanged". ``False`` compares
    each class with its own indicator (the standard multi-class Dice). Pixels labelled
    ``ignore_index`` are left out (the official code has none).
    """
    n, c = logits.shape[:2]
    valid = (target != ignore_index).unsqueeze(1).to(logits.dtype)
    probs = logits.softmax(dim=1) * valid
    onehot = F.one_hot(torch.where(target == ignore_index, 0, target).long(), c)
    onehot = onehot.permute(0, 3, 1, 2).to(logits.dtype) * valid
    if drop_last_target_channel:
        onehot = onehot[:, :-1]  # (N, C-1, H, W), broadcast over the C probabilities
    dims = (0, 2, 3)
    tp = (onehot * probs).sum(dims)
    fp = probs.sum(dims) - tp
    fn = onehot.sum(dims) - tp
    b2 = beta**2
    score = ((1 + b2) * tp + smooth) / ((1 + b2) * tp + b2 * fn + fp + smooth)
    return 1 - score.mean()


@MODELS.register_module()
class GOLDDiceLoss(nn.Module):
    """The official GOLD Dice loss as an mmseg decode-head loss (see :func:`gold_dice_loss`).

    mmseg's ``DiceLoss`` is a different formula (per image, squared denominators, smooth 1), so it
    is not used for GOLD.
    """

    def __init__(self, loss_weight: float = 1.0, beta: float = 1.0, smooth: float = 1e-5,
                 drop_last_target_channel: bool = True, loss_name: str = 'loss_dice'):
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.beta, self.smooth = beta, smooth
        self.drop_last_target_channel = drop_last_target_channel
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor, weight=None, ignore_index: int = 255,
                **kwargs) -> Tensor:
        if pred.shape[1] < 2:
            raise ValueError('GOLDDiceLoss needs softmax logits with >= 2 classes, got '
                             f'{pred.shape[1]} channel(s)')
        return self.loss_weight * gold_dice_loss(pred, target, ignore_index, self.beta,
                                                 self.smooth, self.drop_last_target_channel)

    @property
    def loss_name(self) -> str:
        return self._loss_name
