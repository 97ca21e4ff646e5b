"""Losses in float32 under mixed precision (``tools/train.py --amp``).

Under ``torch.autocast`` a network's outputs are float16/bfloat16, and autocast keeps elementwise
ops (sigmoid, logsigmoid, tanh, divisions by a temperature, squared differences of probabilities)
in that precision: bfloat16 keeps 8 significant bits, so a KL of close distributions or an MSE of
probabilities is mostly rounding error, and float16 overflows above 65504 (sums of squared
features). :func:`float32_forward` runs a loss with autocast off on float32 copies of its inputs;
gradients flow back into the low-precision network as usual.
"""
import functools
from contextlib import ExitStack
from typing import Any, Callable

import torch
from torch import Tensor

AUTOCAST_DEVICES = ('cuda', 'cpu')
LOW_PRECISION = (torch.float16, torch.bfloat16)


def to_float32(x: Any) -> Any:
    """float16/bfloat16 tensors (also inside lists, tuples and dicts) cast to float32."""
    if isinstance(x, Tensor):
        return x.float() if x.dtype in LOW_PRECISION else x
    if isinstance(x, (list, tuple)) and not hasattr(x, '_fields'):
        return type(x)(to_float32(v) for v in x)
    if isinstance(x, dict):
        return type(x)((k, to_float32(v)) for k, v in x.items())
    return x


def float32_forward(fn: Callable) -> Callable:
    """Decorate a loss (function or ``forward``) to compute in float32 with autocast off."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with ExitStack() as stack:
            for device in AUTOCAST_DEVICES:
                if torch.is_autocast_enabled(device):
                    stack.enter_context(torch.autocast(device_type=device, enabled=False))
            return fn(*to_float32(args), **to_float32(kwargs))

    return wrapper
