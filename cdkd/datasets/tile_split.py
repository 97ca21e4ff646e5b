"""Train / val / test assignment of preprocessed tiles: a seeded random split and the official
HeteroCD-GOLD greedy split that balances tile count and changed-pixel share."""
import random
from typing import Dict, Sequence, Tuple

import numpy as np

SPLITS = ('train', 'val', 'test')


def split_assignment(keys: Sequence[str], ratios: Sequence[float], seed: int) -> Dict[str, str]:
    """Random split: shuffle ``keys`` with ``seed``, assign round(n r_train) to train,
    round(n r_val) to val, the rest to test."""
    keys = sorted(keys)
    random.Random(seed).shuffle(keys)
    n_train = int(round(len(keys) * ratios[0]))
    n_val = min(int(round(len(keys) * ratios[1])), len(keys) - n_train)
    return {
        k: SPLITS[0] if i < n_train else SPLITS[1] if i < n_train + n_val else SPLITS[2]
        for i, k in enumerate(keys)
    }


def balanced_split(units: Sequence[Tuple[str, int, int]], ratios: Sequence[float],
                   seed: int) -> Dict[str, str]:
    """The official greedy split: ``units`` = (key, changed pixels, pixels), shuffled with
    ``numpy.random.RandomState(seed)``; each unit goes where the sum over the held-out splits
    (val, and test if its ratio > 0) of |count share - ratio| + |changed share - overall changed
    share| is smallest; ties go to the held-out split furthest below its ratio, else train."""
    units = list(units)
    np.random.RandomState(seed).shuffle(units)
    total_fg, total_pix = sum(u[1] for u in units), sum(u[2] for u in units)
    target_fg = total_fg / total_pix if total_pix else 0.0
    held = [s for s, r in zip(SPLITS[1:], ratios[1:]) if r > 0]
    ratio = dict(zip(SPLITS, ratios))
    count = {s: 0 for s in SPLITS}
    fg = {s: 0 for s in SPLITS}
    pix = {s: 0 for s in SPLITS}

    def objective(n):
        return sum(abs(count[s] / n - ratio[s]) + abs((fg[s] / pix[s] if pix[s] else 0.0) -
                                                      target_fg) for s in held)

    assignment = {}
    for key, u_fg, u_pix in units:
        n = sum(count.values()) + 1
        scores = {}
        for s in ('train', ) + tuple(held):
            count[s] += 1
            fg[s] += u_fg
            pix[s] += u_pix
            scores[s] = objective(n)
            count[s] -= 1
            fg[s] -= u_fg
            pix[s] -= u_pix
        best = min(scores.values())
        tied = [s for s in scores if scores[s] == best]
        if len(tied) == 1:
            choice = tied[0]
        else:
            below = [s for s in held if s in tied and (count[s] + 1) / n < ratio[s]]
            choice = min(below, key=lambda s: (count[s] + 1) / n - ratio[s]) if below else 'train'
        assignment[key] = choice
        count[choice] += 1
        fg[choice] += u_fg
        pix[choice] += u_pix
    return assignment
