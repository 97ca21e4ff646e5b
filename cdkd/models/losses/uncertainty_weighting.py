"""GOLD's dynamic task weights (uncertainty based), the homoscedastic form, and fixed weights."""
import math
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cdkd.registry import MODELS

MODES = ('gold', 'homoscedastic', 'fixed')


def cosine_warmup(epoch: float, warmup_epochs: float) -> float:
    """Mixing factor ``0.5 (1 - cos(pi e / e_w))`` during warm-up, then 1."""
    if warmup_epochs <= 0 or epoch >= warmup_epochs:
        return 1.0
    return 0.5 * (1 - math.cos(math.pi * epoch / warmup_epochs))


def main_task_boost(epoch: float,
                    warmup_epochs: float,
                    rate: float = 0.01,
                    max_boost: float = 1.5) -> float:
    """``min(1 + rate (e - e_w), max_boost)`` after warm-up, 1 before."""
    if epoch < warmup_epochs:
        return 1.0
    return min(1.0 + rate * (epoch - warmup_epochs), max_boost)


@MODELS.register_module()
class UncertaintyTaskWeighting(nn.Module):
    """Weights of GOLD's tasks (change detection, distillation, attention transfer).

    Modes:
      * ``'gold'`` (official code): per task a learned ``s_k = log v_k``;
        ``p_k = softplus(-s_k) + eps``; after warm-up the main task's p is multiplied by
        ``min(1 + (e - e_w)/100, 1.5)`` (pseudocode); during warm-up the normalised fixed and
        dynamic weights are mixed with ``a = 0.5 (1 - cos(pi e / e_w))``, then ``a = 1``:
        ``w = ((1 - a) w_fixed / T + a p / sum(p)) T`` with ``T = sum(w_fixed)`` (the weights keep
        the fixed weights' total). ``bounds`` then clamp each task's share of ``T`` (official:
        change >= 0.6, distillation <= 0.3, attention <= 0.2) and the weights are rescaled to ``T``.
        As in the official code, ``s`` is learned through the weighted loss itself (give it a
        small ``lr_mult``); that alone moves weight onto the smallest loss, which the bounds stop.
      * ``'homoscedastic'``: ``L = sum_k exp(-s_k) L_k + s_k`` (Kendall et al.), gradients into s.
      * ``'fixed'``: ``w_k = w_fixed_k`` (ablation).

    ``forward(losses, epoch)`` returns ``loss_<task>`` (weighted) and ``weight_<task>`` (logged).
    """

    def __init__(self,
                 tasks: Sequence[str] = ('cd', 'distill', 'attention'),
                 mode: str = 'gold',
                 fixed_weights: Sequence[float] = (1.0, 0.3, 0.2),
                 main_task: str = 'cd',
                 warmup_epochs: float = 20,
                 boost_rate: float = 0.01,
                 max_boost: float = 1.5,
                 bounds: Optional[Dict[str, Tuple[Optional[float], Optional[float]]]] = None,
                 eps: float = 1e-8):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'unknown task weighting mode {mode!r}; choose one of {MODES}')
        if len(fixed_weights) != len(tasks):
            raise ValueError(
                f'{len(fixed_weights)} fixed_weights for {len(tasks)} tasks {tuple(tasks)}')
        if main_task not in tasks:
            raise ValueError(f'main_task {main_task!r} is not one of the tasks {tuple(tasks)}')
        self.tasks = tuple(tasks)
        self.mode = mode
        self.register_buffer('fixed_weights', torch.tensor([float(w) for w in fixed_weights]))
        self.main_index = self.tasks.index(main_task)
        self.warmup_epochs = float(warmup_epochs)
        self.boost_rate = boost_rate
        self.max_boost = max_boost
        share_min, share_max = self._parse_bounds(bounds or {})
        # buffers follow the module's device; not persistent: they come from the config
        self.register_buffer('share_min', share_min, persistent=False)
        self.register_buffer('share_max', share_max, persistent=False)
        self.eps = eps
        self.log_vars = nn.Parameter(torch.zeros(len(self.tasks)))  # s_k = log v_k

    def _parse_bounds(self, bounds: dict) -> Tuple[Tensor, Tensor]:
        unknown = set(bounds) - set(self.tasks)
        if unknown:
            raise ValueError(f'bounds for {sorted(unknown)}, which are not tasks {self.tasks}')
        low = torch.zeros(len(self.tasks))
        high = torch.ones(len(self.tasks))
        for task, (lo, hi) in bounds.items():
            k = self.tasks.index(task)
            low[k] = 0.0 if lo is None else float(lo)
            high[k] = 1.0 if hi is None else float(hi)
            if not 0 <= low[k] <= high[k] <= 1:
                raise ValueError(f'bounds[{task!r}] = {(lo, hi)}: need 0 <= min <= max <= 1 '
                                 '(shares of the total weight)')
        return low, high

    def weights(self, epoch: float) -> Tensor:
        """Current task weights in the order of ``tasks`` (with gradients into ``log_vars``)."""
        if self.mode == 'fixed':
            return self.fixed_weights.clone()
        if self.mode == 'homoscedastic':
            return torch.exp(-self.log_vars)
        total = self.fixed_weights.sum()
        p = F.softplus(-self.log_vars) + self.eps
        boost = torch.ones_like(p)
        boost[self.main_index] = main_task_boost(epoch, self.warmup_epochs, self.boost_rate,
                                                 self.max_boost)
        p = p * boost
        a = cosine_warmup(epoch, self.warmup_epochs)
        w = ((1 - a) * self.fixed_weights / total + a * p / p.sum()) * total
        w = torch.maximum(torch.minimum(w, self.share_max * total), self.share_min * total)
        return w / w.sum() * total

    def forward(self, losses: Dict[str, Tensor], epoch: float) -> Dict[str, Tensor]:
        if set(losses) != set(self.tasks):
            raise ValueError(
                f'losses for {sorted(losses)} but the weighting has tasks {self.tasks}')
        w = self.weights(epoch)
        out = {}
        for k, task in enumerate(self.tasks):
            if self.mode == 'homoscedastic':
                out[f'loss_{task}'] = w[k] * losses[task] + self.log_vars[k]
            else:
                out[f'loss_{task}'] = w[k] * losses[task]
            out[f'weight_{task}'] = w[k].detach()
        return out
