"""Channel-wise distillation (CWD): Shu et al., "Channel-wise Knowledge Distillation for Dense
Prediction", ICCV 2021 (arXiv:2011.13256)."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from cdkd.registry import MODELS
from .utils import float32_forward


def channel_wise_divergence(preds_S: Tensor, preds_T: Tensor, tau: float = 1.0) -> Tensor:
    """Paper Eq. (3)-(4): each channel's map is turned into a distribution over the H x W
    positions by a softmax at temperature ``tau``; the loss is ``tau^2`` times the KL(teacher ||
    student) summed over channels and images, divided by ``C x N`` (the paper's 1/C, and the mean
    over the batch of the official code and mmrazor's ``ChannelWiseDivergence``).

    A single-logit change map is one channel whose spatial distribution is distilled (unlike a
    softmax over channels, this is not identically zero).
    """
    if preds_S.dim() != 4 or preds_S.shape != preds_T.shape:
        raise ValueError(f'ChannelWiseDivergence needs student and teacher maps of one shape '
                         f'N x C x H x W, got {tuple(preds_S.shape)} and {tuple(preds_T.shape)}')
    n, c = preds_S.shape[:2]
    log_s = F.log_softmax(preds_S.flatten(2) / tau, dim=2)
    log_t = F.log_softmax(preds_T.flatten(2) / tau, dim=2)
    kl = (log_t.exp() * (log_t - log_s)).sum()
    return kl * tau ** 2 / (n * c)


@MODELS.register_module()
class ChannelWiseDivergence(nn.Module):
    """CWD loss (mmrazor's name and arguments: ``tau``, ``loss_weight``; forward ``preds_S``,
    ``preds_T``). Use a connector on the student side when the channel counts differ.

    Args:
        tau: temperature of the spatial softmax.
        loss_weight: multiplier (mmrazor's CWD PSPNet config: ``tau=1, loss_weight=3``).
        loss_name: key in the loss dict.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0, loss_name: str = 'loss_cwd'):
        super().__init__()
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        self.tau = tau
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @float32_forward  # a KL of close distributions is lost in half precision (--amp)
    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * channel_wise_divergence(preds_S, preds_T, self.tau)

    @property
    def loss_name(self) -> str:
        return self._loss_name
