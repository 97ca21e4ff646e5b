"""Steps every distillation algorithm takes on a wrapped change detector."""
from contextlib import nullcontext
from typing import Dict, Optional, Tuple

from mmseg.utils import add_prefix
from torch import Tensor, nn

from .recorders import RecorderManager


def forward_logits(detector: nn.Module, inputs: Tensor,
                   recorders: Optional[RecorderManager] = None) -> Tuple[object, Tensor]:
    """``(features, decode-head logits)`` of a detector (logits before resizing to the label),
    recording with ``recorders`` while it runs."""
    with recorders.record() if recorders is not None else nullcontext():
        feats = detector.extract_feat(inputs)
        return feats, detector.decode_head.forward(feats)


def supervised_losses(detector: nn.Module, feats, logits: Tensor, data_samples,
                      weight: float = 1.0) -> Dict[str, Tensor]:
    """The detector's own decode (and auxiliary) head losses of one forward, times ``weight``."""
    losses = add_prefix(detector.decode_head.loss_by_feat(logits, data_samples), 'decode')
    if detector.with_auxiliary_head:
        losses.update(detector._auxiliary_head_forward_train(feats, data_samples))
    return {k: v * weight if 'loss' in k else v for k, v in losses.items()}


def strip_prefix(state_dict: Dict[str, Tensor], prefix: str, kind: str) -> Dict[str, Tensor]:
    """The ``prefix.*`` weights of a distiller state dict with the prefix removed (a plain
    detector's state dict); ``kind`` names the distiller in the error."""
    prefix = prefix + '.'
    out = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not out:
        heads = sorted({k.split('.')[0] for k in state_dict})
        raise KeyError(f'no {prefix}* weights in the checkpoint (its top-level keys: {heads}); '
                       f'is it a {kind} checkpoint?')
    return out
