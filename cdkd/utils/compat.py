"""Fixes for running mmengine 0.10 / mmcv 2.1 / mmseg 1.2 on torch >= 2.6, and safer checkpoints.

1. torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7 calls ``torch.load``
   without the argument, and its checkpoints pickle non-tensor objects (the message hub's
   ``HistoryBuffer``, numpy scalars in ``meta``), so ``load_checkpoint``, ``--resume`` and
   ``tools/test.py`` fail with ``UnpicklingError: Weights only load failed``. cdkd re-registers the
   local-file loader to load full pickles, as mmengine expected. Checkpoints are pickles: load only
   files you trust.
2. mmengine writes checkpoints in place, so a run killed while saving leaves a truncated ``.pth``
   (and can destroy the previous file of that name). cdkd saves local checkpoints to a temporary file
   in the same folder and renames it into place (``cdkd.utils.atomic_write``); torch's error for an
   unreadable checkpoint ("PytorchStreamReader failed ...") is re-raised naming the file.
3. mmengine's ``--launcher pytorch`` calls ``torch.cuda.set_device`` unconditionally, which a CPU
   build of torch cannot do; without CUDA cdkd initialises the process group (gloo) directly.
4. ``torchvision://`` checkpoint names resolve without importing torchvision
   (:mod:`cdkd.utils.pretrained`).
"""
import os.path as osp

import mmengine.dist.utils as mmengine_dist_utils
import mmengine.runner.checkpoint as mmengine_checkpoint
import mmengine.runner.runner as mmengine_runner
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from .atomic_write import atomic_open

_PATCHED = False
_mmengine_save_checkpoint = mmengine_checkpoint.save_checkpoint
_mmengine_init_dist_pytorch = mmengine_dist_utils._init_dist_pytorch


def load_local_checkpoint(filename: str, map_location=None):
    """mmengine's local loader with ``weights_only=False``; a file torch cannot read (truncated,
    not a checkpoint) is an error naming it. Every checkpoint load of cdkd's tools and of
    mmengine's runner (``load_from``, ``--resume``) goes through this loader."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        return torch.load(filename, map_location=map_location, weights_only=False)
    except Exception as e:
        raise RuntimeError(
            f'cannot read checkpoint {filename} ({osp.getsize(filename)} bytes): '
            f'{type(e).__name__}: {e}. A truncated file (a copy or download that did not finish, '
            'a run killed by an older version while saving) or a file that is not a PyTorch '
            'checkpoint gives this error.') from e


def save_checkpoint_atomic(checkpoint, filename, file_client_args=None, backend_args=None):
    """Save local checkpoints all-or-nothing; remote URIs go to mmengine unchanged."""
    if '://' in str(filename) or file_client_args is not None or backend_args is not None:
        return _mmengine_save_checkpoint(checkpoint, filename, file_client_args, backend_args)
    with atomic_open(osp.expanduser(str(filename))) as f:
        torch.save(checkpoint, f)


def init_dist_pytorch_cpu_safe(backend, init_backend='torch', **kwargs) -> None:
    """mmengine's torchrun initialisation, minus ``torch.cuda.set_device`` when there is no CUDA."""
    if torch.cuda.is_available() or init_backend != 'torch':
        return _mmengine_init_dist_pytorch(backend, init_backend=init_backend, **kwargs)
    torch.distributed.init_process_group(backend=backend, **kwargs)


def apply_compat_patches() -> None:
    """Install the fixes once per process (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
    # Runner imported the function by name, so both bindings are replaced.
    mmengine_checkpoint.save_checkpoint = save_checkpoint_atomic
    mmengine_runner.save_checkpoint = save_checkpoint_atomic
    mmengine_dist_utils._init_dist_pytorch = init_dist_pytorch_cpu_safe
    from .pretrained import register_pretrained_schemes
    register_pretrained_schemes()
    _PATCHED = True
