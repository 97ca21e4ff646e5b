"""Device options of ``tools/train.py``: mixed precision, channels_last, dataloader settings.

``--amp`` uses mmengine's ``AmpOptimWrapper`` (float16 with a dynamic loss scale, or bfloat16),
which runs on CUDA only: on a machine without a CUDA device cdkd says so before building anything,
rather than failing in mmengine's assertion after the model and dataloaders are built. (CPU
bfloat16 autocast exists in torch, but mmengine 0.10.7's wrapper refuses the CPU and bfloat16 on
CPU is rarely faster than float32 for convolutions.) cdkd's losses compute in float32 under
autocast (``cdkd.models.losses.utils.float32_forward``).
"""
import logging
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.logging import print_log

AMP_DTYPES = ('float16', 'bfloat16')
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def amp_unavailable_reason(dtype: str = 'float16') -> Optional[str]:
    """Why ``--amp`` cannot run here (None when it can)."""
    if dtype not in AMP_DTYPES:
        return f'--amp-dtype {dtype!r}: choose one of {", ".join(AMP_DTYPES)}'
    if not torch.cuda.is_available():
        build = (f'a CUDA {torch.version.cuda} build' if torch.version.cuda else 'a CPU-only build')
        return (f'--amp needs a CUDA GPU (mmengine\'s AmpOptimWrapper runs on CUDA only), and '
                f'torch {torch.__version__} ({build}) sees none. On this machine train without '
                '--amp (float32).')
    if dtype == 'bfloat16' and not torch.cuda.is_bf16_supported():
        return (f'--amp-dtype bfloat16: {torch.cuda.get_device_name()} has no bfloat16 support; '
                'use --amp-dtype float16')
    return None


def enable_amp(cfg: Config, dtype: str = 'float16') -> None:
    """Switch the config's optimizer wrapper to ``AmpOptimWrapper`` (dynamic loss scale)."""
    optim = cfg.optim_wrapper
    if optim.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
        print_log('AMP is already enabled in the config.', logger='current',
                  level=logging.WARNING)
        return
    optim.type = 'AmpOptimWrapper'
    optim.loss_scale = 'dynamic'
    optim.dtype = dtype


def adapt_dataloaders(cfg: Config) -> None:
    """Dataloader settings that fit the machine: no pinned memory without CUDA (torch warns and
    ignores it), no persistent workers at ``num_workers=0`` (torch refuses them)."""
    for name in DATALOADERS:
        loader = cfg.get(name)
        if not loader:
            continue
        if loader.get('pin_memory') and not torch.cuda.is_available():
            loader.pin_memory = False
        if loader.get('persistent_workers') and not loader.get('num_workers', 0):
            loader.persistent_workers = False


def to_channels_last(model: torch.nn.Module) -> torch.nn.Module:
    """4-D weights in channels_last (NHWC) layout, so convolutions run NHWC (faster on tensor
    cores, above all with --amp); inputs follow the first convolution's layout."""
    return model.to(memory_format=torch.channels_last)
