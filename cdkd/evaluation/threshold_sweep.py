"""Confusion matrices of a probability map at many thresholds (KD-MSI threshold sweeps)."""
from typing import Dict, Sequence

import numpy as np
import torch

from cdkd.evaluation.functional import change_scores


def threshold_grid(start: float, stop: float, step: float = 0.05) -> tuple:
    """``start, start + step, ..., stop`` (inclusive), rounded to avoid float drift."""
    count = int(round((stop - start) / step)) + 1
    return tuple(round(start + i * step, 6) for i in range(count))


def sweep_confusion(prob: torch.Tensor, gt: torch.Tensor, thresholds: Sequence[float],
                    ignore_index: int = 255) -> np.ndarray:
    """``(T, 2, 2)`` int64 matrices ``[gt, pred]``, ``pred = prob > t`` (= argmax([t, prob]))."""
    prob, gt = prob.reshape(-1), gt.reshape(-1)
    valid = gt != ignore_index
    prob, gt = prob[valid], gt[valid]
    changed, unchanged = prob[gt == 1], prob[gt == 0]
    t = torch.as_tensor(thresholds, dtype=prob.dtype, device=prob.device)[:, None]
    tp = (changed[None] > t).sum(dim=1)
    fp = (unchanged[None] > t).sum(dim=1)
    cm = torch.stack([unchanged.numel() - fp, fp, changed.numel() - tp, tp], dim=1)
    return cm.reshape(-1, 2, 2).cpu().numpy().astype(np.int64)


def sweep_scores(cms: np.ndarray, thresholds: Sequence[float]) -> Dict[float, Dict[str, float]]:
    """Scores (``change_scores``) of each threshold's summed matrix."""
    return {float(t): change_scores(cm) for t, cm in zip(thresholds, cms)}


def best_threshold(scores: Dict[float, Dict[str, float]], key: str) -> float:
    """Threshold with the highest ``key`` (the lowest threshold wins ties)."""
    return max(scores, key=lambda t: (scores[t][key], -t))
