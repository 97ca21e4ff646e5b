"""ImageNet initialisation: checkpoint names resolved without torchvision, checked before training.

Configs name the usual checkpoints through mmengine's ``Pretrained`` init
(``init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')`` or
``'open-mmlab://resnet50_v1c'``, see docs/pretrained.md). Two things go wrong with mmengine 0.10.7
alone:

1. ``torchvision://`` imports torchvision only to look the URL up
   (``mmengine.runner.checkpoint.get_torchvision_models``), and a torchvision that does not match
   the installed torch cannot be imported. cdkd resolves these names from the table mmengine ships
   (``mmengine/hub/torchvision_0.12.json``), asking torchvision only for names missing there, and
   drops the ImageNet classifier (``fc.*``) of torchvision ResNets, which no backbone has.
2. Without network access the download fails inside ``init_weights``, after the dataloaders and
   workers are built. :func:`check_pretrained_weights` fetches (or finds in torch's hub cache)
   every ``Pretrained`` checkpoint of a model config first and stops with one message naming each
   missing file, where to put a copy, and how to train from scratch deliberately.

Files come from torch's hub cache, ``<torch.hub.get_dir()>/checkpoints/<file name of the URL>``
(``~/.cache/torch/hub/checkpoints`` unless ``TORCH_HOME`` is set), where mmengine looks too.
"""
import logging
import os
import os.path as osp
import socket
from typing import Any, Dict, List, NamedTuple, Optional
from urllib.parse import urlparse

import mmengine
import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import (CheckpointLoader, get_deprecated_model_names,
                                        get_external_models, load_from_http)

TORCHVISION_PREFIXES = ('torchvision://', 'modelzoo://')
OPENMMLAB_PREFIXES = ('open-mmlab://', 'openmmlab://')
URL_PREFIXES = ('http://', 'https://')
# Seconds to wait for the server before a check gives up (a blocked network can hang forever).
DOWNLOAD_TIMEOUT_S = 60
NO_PRETRAINED_FLAG = '--no-pretrained'


class PretrainedWeightsUnavailable(RuntimeError):
    """A ``Pretrained`` checkpoint of the config is neither on disk nor downloadable."""


class PretrainedSpec(NamedTuple):
    """One ``Pretrained`` init of a model config."""
    key: str  # config path of the init_cfg, e.g. 'model.teacher.backbone.init_cfg'
    module_type: Optional[str]  # type of the module it initialises, e.g. 'ResNetV1c'
    checkpoint: str
    option: str  # the --cfg-options key of the checkpoint ('<key>.checkpoint')


def _torchvision_urls() -> Dict[str, str]:
    return mmengine.load(osp.join(mmengine.__path__[0], 'hub', 'torchvision_0.12.json'))


def checkpoint_url(checkpoint: str) -> Optional[str]:
    """Download URL of a checkpoint name, or None for a local file.

    ``torchvision://resnet50`` and ``open-mmlab://resnet50_v1c`` are looked up in mmengine's tables
    (torchvision is imported only for names not there, e.g. ``resnet50.imagenet1k_v2``);
    ``http(s)://`` URLs are returned as they are.
    """
    if checkpoint.startswith(URL_PREFIXES):
        return checkpoint
    for prefix in TORCHVISION_PREFIXES:
        if checkpoint.startswith(prefix):
            name = checkpoint[len(prefix):]
            urls = _torchvision_urls()
            if name in urls:
                return urls[name]
            try:
                from mmengine.runner.checkpoint import get_torchvision_models
                urls = get_torchvision_models()
            except Exception as err:  # torchvision missing or not importable beside this torch
                raise KeyError(
                    f'{checkpoint}: not in mmengine\'s torchvision table and torchvision cannot '
                    f'be imported to look it up ({type(err).__name__}: {err}); known names: '
                    f'{", ".join(sorted(_torchvision_urls()))}') from err
            if name not in urls:
                raise KeyError(f'{checkpoint}: unknown torchvision checkpoint name')
            return urls[name]
    for prefix in OPENMMLAB_PREFIXES:
        if checkpoint.startswith(prefix):
            name = checkpoint[len(prefix):]
            name = get_deprecated_model_names().get(name, name)
            urls = get_external_models()
            if name not in urls:
                raise KeyError(f'{checkpoint}: unknown OpenMMLab checkpoint name (mmengine\'s '
                               'hub/openmmlab.json and ~/.mmengine/open_mmlab.json)')
            url = urls[name]
            # mmengine also allows entries that are paths below the mmengine home
            return url if url.startswith(URL_PREFIXES) else None
    if '://' in checkpoint:
        raise KeyError(f'{checkpoint}: cdkd checks local files, http(s) URLs, torchvision:// and '
                       'open-mmlab:// names; load other schemes through mmengine directly')
    return None


def cache_path(url: str) -> str:
    """Where torch (and mmengine) keep the download of ``url``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(urlparse(url).path))


def load_from_torchvision(filename: str, map_location=None) -> Dict[str, Any]:
    """mmengine's ``torchvision://`` loader without importing torchvision; drops ``fc.*``.

    A torchvision ResNet's keys (``conv1``, ``bn1``, ``layer1.0.conv1`` ...) are those of mmseg's
    ``ResNet``; its ImageNet classifier ``fc`` has no counterpart in a backbone.
    """
    url = checkpoint_url(filename)
    checkpoint = load_from_http(url, map_location=map_location)
    state_dict = checkpoint.get('state_dict', checkpoint)
    classifier = [k for k in state_dict if k.startswith('fc.')]
    if classifier:
        state_dict = {k: v for k, v in state_dict.items() if not k.startswith('fc.')}
        print_log(f'{filename}: dropped the ImageNet classifier ({", ".join(classifier)}), '
                  'which a backbone does not have', logger='current')
    return state_dict


def register_pretrained_schemes() -> None:
    """Use :func:`load_from_torchvision` for ``torchvision://`` and ``modelzoo://`` names."""
    CheckpointLoader.register_scheme(prefixes=TORCHVISION_PREFIXES, loader=load_from_torchvision,
                                     force=True)


def is_trained_model_spec(cfg: Any) -> bool:
    """``dict(cfg_path=..., checkpoint=...)`` / ``dict(model=..., checkpoint=...)``: a frozen
    teacher whose weights come from its checkpoint, never from its Pretrained inits."""
    return isinstance(cfg, dict) and 'checkpoint' in cfg and bool({'cfg_path', 'model'} & set(cfg))


def inline_model_files(cfg: Any) -> int:
    """Replace, in place, every ``dict(cfg_path=<config file>)`` sub-model (mmrazor's way to name
    a distiller's student) by that file's ``model``, so its Pretrained inits are checked early and
    ``--no-pretrained`` drops them. Returns how many were inlined."""
    inlined = 0
    if isinstance(cfg, dict):
        for k in list(cfg):
            v = cfg[k]
            if isinstance(v, dict) and set(v) == {'cfg_path'}:
                from cdkd.models.distillers.teacher_student_distiller import model_config
                cfg[k] = model_config(v, k)  # the distiller's own reading of cfg_path
                inlined += 1 + inline_model_files(cfg[k])
            elif not is_trained_model_spec(v):
                inlined += inline_model_files(v)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            inlined += inline_model_files(v)
    return inlined


def find_pretrained_inits(cfg: Any, key: str = 'model') -> List[PretrainedSpec]:
    """Every ``type='Pretrained'`` init in a (model) config, with its config path.

    Follows nested dicts and lists, so distillers' teacher/student sub-models and GOLD's several
    encoders are all found; ``init_cfg`` may be one dict or a list of them. Teachers loaded from
    a checkpoint (:func:`is_trained_model_spec`) are skipped: their ImageNet weights are not used.
    """
    found = []
    if is_trained_model_spec(cfg):
        return found
    if isinstance(cfg, dict):
        for k, v in cfg.items():
            sub = f'{key}.{k}'
            if k == 'init_cfg' and v is not None:
                for i, init in enumerate(v if isinstance(v, (list, tuple)) else [v]):
                    if isinstance(init, dict) and init.get('type') == 'Pretrained':
                        init_key = sub if isinstance(v, dict) else f'{sub}.{i}'
                        found.append(PretrainedSpec(init_key, cfg.get('type'),
                                                    str(init.get('checkpoint')),
                                                    f'{init_key}.checkpoint'))
            elif k == 'pretrained' and isinstance(v, str):  # mmseg's legacy backbone weights
                found.append(PretrainedSpec(sub, cfg.get('type'), v, sub))
            else:
                found += find_pretrained_inits(v, sub)
    elif isinstance(cfg, (list, tuple)):
        for i, v in enumerate(cfg):
            found += find_pretrained_inits(v, f'{key}.{i}')  # mmengine's list keys: a.0.b
    return found


def drop_pretrained_inits(cfg: Any) -> int:
    """Remove every ``Pretrained`` init from a config in place (random init); returns how many."""
    dropped = 0
    if isinstance(cfg, dict):
        for k in list(cfg):
            v = cfg[k]
            if k == 'init_cfg' and isinstance(v, dict) and v.get('type') == 'Pretrained':
                cfg[k] = None
                dropped += 1
            elif k == 'pretrained' and isinstance(v, str):
                cfg[k] = None
                dropped += 1
            elif k == 'init_cfg' and isinstance(v, (list, tuple)):
                kept = [i for i in v if not (isinstance(i, dict) and i.get('type') == 'Pretrained')]
                dropped += len(v) - len(kept)
                cfg[k] = kept or None
            else:
                dropped += drop_pretrained_inits(v)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            dropped += drop_pretrained_inits(v)
    return dropped


def fetch_checkpoint(checkpoint: str) -> str:
    """Local path of a checkpoint name: the file itself, or the hub-cache copy of its URL,
    downloaded there first when missing. Raises ``OSError``/``KeyError`` when it cannot be had."""
    url = checkpoint_url(checkpoint)
    if url is None:
        path = osp.expanduser(checkpoint)
        if not osp.isfile(path):
            raise FileNotFoundError(f'no such file: {path}')
        return path
    path = cache_path(url)
    if osp.isfile(path):
        return path
    os.makedirs(osp.dirname(path), exist_ok=True)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:  # torch's downloader (what mmengine's loader calls): a partial file, renamed when done
        torch.hub.download_url_to_file(url, path, progress=True)
    finally:
        socket.setdefaulttimeout(previous)
    return path


def unavailable_message(init: PretrainedSpec, err: BaseException) -> str:
    url = None
    try:
        url = checkpoint_url(init.checkpoint)
    except KeyError:
        pass
    if url:
        where = (f'download {url}\n    and put it at {cache_path(url)}\n    (torch\'s hub cache, '
                 'read by mmengine; TORCH_HOME moves it), or')
    elif '://' in init.checkpoint:
        where = 'use a checkpoint name listed in docs/pretrained.md, or'
    else:
        where = 'put the file there, or'
    return (f'{init.key} ({init.module_type}): the Pretrained checkpoint {init.checkpoint!r} '
            f'cannot be loaded: {type(err).__name__}: {err}\n  To fix: {where} give a local copy '
            f'with\n    --cfg-options {init.option}=/path/to/{osp.basename(url or "file.pth")}')


def check_pretrained_weights(model_cfg: Any, key: str = 'model') -> List[str]:
    """Make sure every ``Pretrained`` checkpoint of ``model_cfg`` is on disk (downloading into
    the hub cache what is missing), before anything else is built.

    Returns the local paths; raises :class:`PretrainedWeightsUnavailable` naming every
    checkpoint that is missing, where to put it, and ``--no-pretrained`` to train from scratch.
    """
    paths, problems = [], []
    for init in find_pretrained_inits(model_cfg, key):
        try:
            paths.append(fetch_checkpoint(init.checkpoint))
        except (OSError, KeyError, ValueError) as err:  # URLError is an OSError
            problems.append(unavailable_message(init, err))
            continue
        if init.module_type == 'ResNetV1c' and init.checkpoint.startswith(TORCHVISION_PREFIXES):
            print_log(f'{init.key}: {init.checkpoint} has a torchvision (single 7x7 conv) stem, '
                      "ResNetV1c a deep stem (stem.*): the stem stays randomly initialised, the "
                      "stages load. 'open-mmlab://resnet{18,50}_v1c' is the checkpoint of "
                      'ResNetV1c.', logger='current', level=logging.WARNING)
    if problems:
        raise PretrainedWeightsUnavailable(
            'Pretrained weights are missing, so training stops before building anything else '
            '(no silent random initialisation):\n' + '\n'.join(problems) +
            f'\n  Or train from random initialisation deliberately: {NO_PRETRAINED_FLAG} (drops '
            'every Pretrained init of the model).')
    return paths
