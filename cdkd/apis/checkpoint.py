import glob
import os.path as osp
import re
from typing import Dict, Optional

import torch
from torch import nn


def resolve_checkpoint(path: str) -> str:
    """Return a checkpoint file for ``path``: the file itself, or for a work dir its best
    checkpoint (``best_*.pth``, newest first) or else the one named in ``last_checkpoint``."""
    path = osp.expanduser(path)
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    best = sorted(glob.glob(osp.join(path, 'best_*.pth')), key=osp.getmtime)
    if best:
        return best[-1]
    last = osp.join(path, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            recorded = f.read().strip()
        if osp.isfile(recorded):
            return recorded
        raise FileNotFoundError(f'{last} names {recorded}, which does not exist')
    raise FileNotFoundError(f'no checkpoint in {path}: neither best_*.pth nor last_checkpoint')


MODULE_PREFIX = re.compile(r'^module\.')  # DDP-saved keys, stripped as mmengine does
SHOWN_KEYS = 5


def _some(keys, limit: int = SHOWN_KEYS) -> str:
    keys = list(keys)
    more = f' ... and {len(keys) - limit} more' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


def prediction_model(model: nn.Module) -> nn.Module:
    """The module a checkpoint's keys belong to: ``model`` without a DDP or TTA wrapper."""
    from mmengine.model import BaseTTAModel, is_model_wrapper
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def checkpoint_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The weights of a loaded checkpoint (``state_dict`` or the dict itself), keys as mmengine
    loads them (``module.`` prefix stripped)."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'a checkpoint must be a dict of weights (or hold one under '
                         f"'state_dict'), got {type(checkpoint).__name__}")
    return {MODULE_PREFIX.sub('', k): v for k, v in state.items()}


def check_state_dict(model: nn.Module, state_dict: Dict[str, torch.Tensor], path: str,
                     config: Optional[str] = None) -> None:
    """Raise ``ValueError`` naming the mismatched keys unless ``state_dict`` fits ``model``
    exactly: same keys, same shapes. Inference loads strictly: a checkpoint of another
    architecture (or num_classes, bands, fusion) would otherwise leave layers at random init."""
    expected = prediction_model(model).state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    shapes = [f'{k} (checkpoint {tuple(v.shape)}, model {tuple(expected[k].shape)})'
              for k, v in state_dict.items()
              if k in expected and hasattr(v, 'shape') and tuple(v.shape) != tuple(expected[k].shape)]
    if not (missing or unexpected or shapes):
        return
    problems = []
    if shapes:
        problems.append(f'{len(shapes)} shape mismatch(es): {_some(shapes)}')
    if missing:
        problems.append(f'{len(missing)} key(s) of the model missing from the checkpoint: '
                        f'{_some(missing)}')
    if unexpected:
        problems.append(f'{len(unexpected)} unexpected key(s) in the checkpoint: '
                        f'{_some(unexpected)}')
    model_of = f'the model of {config}' if config else 'the model'
    hint = 'Was it trained with another config (architecture, num_classes, bands)?'
    if unexpected and all(k.startswith(('detector.', 'ema_teacher.')) for k in unexpected):
        hint = ('It looks like an STKD distiller checkpoint: convert it with '
                'tools/model_converters/stkd_to_detector.py for a plain detector config.')
    elif unexpected and all(k.startswith(('architecture.', 'teachers.', 'distiller.'))
                            for k in unexpected):
        hint = ('It looks like a TeacherStudentDistiller checkpoint: convert it with '
                'tools/model_converters/distiller_to_detector.py for the student\'s config.')
    raise ValueError(f'checkpoint {path} does not fit {model_of}: ' + '; '.join(problems) +
                     f'. {hint}')


def load_weights_strictly(model: nn.Module, path: str, config: Optional[str] = None,
                          map_location: str = 'cpu') -> dict:
    """Load checkpoint ``path`` into ``model`` after :func:`check_state_dict`; returns the
    checkpoint dict (for its ``meta``)."""
    from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict
    checkpoint = _load_checkpoint(path, map_location=map_location)
    state = checkpoint_state_dict(checkpoint)
    check_state_dict(model, state, path, config)
    load_state_dict(prediction_model(model), state, strict=True)
    return checkpoint


def check_checkpoint_fits(model: nn.Module, path: str, config: Optional[str] = None) -> None:
    """:func:`check_state_dict` for the checkpoint file ``path`` (read on CPU), loading nothing."""
    from mmengine.runner.checkpoint import _load_checkpoint
    check_state_dict(model, checkpoint_state_dict(_load_checkpoint(path, map_location='cpu')),
                     path, config)
