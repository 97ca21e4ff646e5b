"""Capture and restore the global random number generators of this process.

cdkd's transforms and perturbations draw from the global generators (``random``, ``numpy.random``,
``torch``; dropout and CUDA kernels from torch's CPU/CUDA generators) and keep no generator of
their own, so these states are all the randomness a resumed run has to restore.
"""
import random
from typing import Any, Dict

import numpy as np
import torch


def get_rng_states() -> Dict[str, Any]:
    """The states of Python's, NumPy's and torch's global generators (and CUDA's, when present)."""
    states = dict(python=random.getstate(), numpy=np.random.get_state(),
                  torch=torch.get_rng_state())
    if torch.cuda.is_available():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: Dict[str, Any]) -> None:
    """Restore what :func:`get_rng_states` captured (CUDA only where both have CUDA)."""
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])
