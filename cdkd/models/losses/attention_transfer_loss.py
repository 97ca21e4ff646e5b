"""GOLD difference-map attention transfer: pull the student's saliency toward the teacher's."""
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from cdkd.registry import MODELS
from .utils import float32_forward

EPS = 1e-6
NORMALIZATIONS = (None, 'minmax', 'sum')


def normalize_saliency(x: Tensor, mode: Optional[str]) -> Tensor:
    """Normalise each sample's saliency (all dims but the batch): ``minmax`` to [0, 1], ``sum`` to
    a distribution summing to 1, ``None`` unchanged."""
    if mode is None:
        return x
    flat = x.flatten(1)
    if mode == 'minmax':
        lo, hi = flat.amin(1, keepdim=True), flat.amax(1, keepdim=True)
        flat = (flat - lo) / (hi - lo + EPS)
    elif mode == 'sum':
        flat = flat / (flat.sum(1, keepdim=True) + EPS)
    else:
        raise ValueError(f'unknown saliency normalisation {mode!r}; choose one of {NORMALIZATIONS}')
    return flat.view_as(x)


@MODELS.register_module()
class AttentionTransferLoss(nn.Module):
    """MSE between student and teacher difference maps D, channel attention vectors A_ch and spatial
    attention maps A_sp (each normalised per sample); the teacher side is detached.

    Returns the three terms ``att_diff``, ``att_channel``, ``att_spatial``; GOLD combines them as
    ``0.5 att_diff + 0.3 att_channel + 0.2 att_spatial``.

    Args:
        normalize: per-sample normalisation of the channel/spatial maps (official GOLD: None).
        detach_teacher: detach the teacher side (the official GOLD code does not: the MSEs pull
            on both branches).
    """

    def __init__(self, normalize: Optional[str] = 'minmax', detach_teacher: bool = True):
        super().__init__()
        if normalize not in NORMALIZATIONS:
            raise ValueError(
                f'unknown saliency normalisation {normalize!r}; choose one of {NORMALIZATIONS}')
        self.normalize = normalize
        self.detach_teacher = detach_teacher

    def _teacher(self, t: Tensor) -> Tensor:
        return t.detach() if self.detach_teacher else t

    def _mse(self, s: Tensor, t: Tensor) -> Tensor:
        return F.mse_loss(normalize_saliency(s, self.normalize),
                          normalize_saliency(self._teacher(t), self.normalize))

    @float32_forward
    def forward(self, diff_s: Tensor, diff_t: Tensor, att_s: Optional[dict],
                att_t: Optional[dict]) -> dict:
        """Without attention maps (a model without attention modules) only the difference maps
        are compared; the channel and spatial terms are zero."""
        att_diff = F.mse_loss(diff_s, self._teacher(diff_t))
        if att_s is None or att_t is None:
            zero = att_diff.new_zeros(())
            return dict(att_diff=att_diff, att_channel=zero, att_spatial=zero)
        return dict(
            att_diff=att_diff,
            att_channel=self._mse(att_s['channel'].flatten(1), att_t['channel'].flatten(1)),
            att_spatial=self._mse(att_s['spatial'], att_t['spatial']))
