"""GOLD's dynamic task weights (uncertainty based), the homoscedastic form, and fixed weights."""
import math
from typing import Dict, Sequence

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
      * ``'gold'`` (official pseudocode): per task a learned ``v_k = exp(s_k)``;
        ``p_k = softplus(-log v_k) + eps``; after warm-up the main task's p is multiplied by
        ``min(1 + (e - e_w)/100, 1.5)``; ``w_k = (1 - a) w_fixed_k + a p_k / sum_j p_j`` with
        ``a = 0.5 (1 - cos(pi e / e_w))`` during warm-up, then 1. The weights are applied
        detached; ``s_k`` is fitted to each task's loss level by the homoscedastic objective
        ``0.5 (exp(-s_k) L_k + s_k)`` on the detached losses (cdkd's choice: the pseudocode does
        not say how v_k is trained, and letting the normalised weights themselves train v_k
        would move all weight to the smallest loss).
      * ``'homoscedastic'``: ``L = sum_k exp(-s_k) L_k + s_k`` (Kendall et al.), gradients into s.
      * ``'fixed'``: ``w_k = w_fixed_k`` (ablation).

    ``forward(losses, epoch)`` returns ``loss_<task>`` (weighted), ``weight_<task>`` (logged) and,
    for the learned modes, ``loss_uncertainty``.
    """

    def __init__(self,
                 tasks: Sequence[str] = ('cd', 'distill', 'attention'),
                 mode: str = 'gold',
                 fixed_weights: Sequence[float] = (0.5, 0.3, 0.2),
                 main_task: str = 'cd',
                 warmup_epochs: float = 5,
                 boost_rate: float = 0.01,
                 max_boost: float = 1.5,
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
        self.eps = eps
        self.log_vars = nn.Parameter(torch.zeros(len(self.tasks)))  # s_k = log v_k

    def weights(self, epoch: float) -> Tensor:
        """Current task weights (detached), in the order of ``tasks``."""
        if self.mode == 'fixed':
            return self.fixed_weights.clone()
        s = self.log_vars.detach()
        if self.mode == 'homoscedastic':
            return torch.exp(-s)
        p = F.softplus(-s) + self.eps
        boost = torch.ones_like(p)
        boost[self.main_index] = main_task_boost(epoch, self.warmup_epochs, self.boost_rate,
                                                 self.max_boost)
        p = p * boost
        a = cosine_warmup(epoch, self.warmup_epochs)
        return (1 - a) * self.fixed_weights + a * p / p.sum()

    def forward(self, losses: Dict[str, Tensor], epoch: float) -> Dict[str, Tensor]:
        if set(losses) != set(self.tasks):
            raise ValueError(
                f'losses for {sorted(losses)} but the weighting has tasks {self.tasks}')
        w = self.weights(epoch)
        out = {}
        for k, task in enumerate(self.tasks):
            if self.mode == 'homoscedastic':
                out[f'loss_{task}'] = torch.exp(-self.log_vars[k]) * losses[task] + self.log_vars[k]
            else:
                out[f'loss_{task}'] = w[k] * losses[task]
            out[f'weight_{task}'] = w[k]
        if self.mode == 'gold':
            levels = torch.stack([losses[t].detach() for t in self.tasks])
            out['loss_uncertainty'] = 0.5 * (torch.exp(-self.log_vars) * levels +
                                             self.log_vars).sum()
        return out
