"""The datasets of a config's dataloaders: re-root them all (``--data-root``), check their data
exists before a run builds anything (errors name the loader), list the folders they read."""
import copy
import os.path as osp
from typing import Dict, Iterator, List, Sequence, Tuple

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def iter_dataset_cfgs(cfg, loaders: Sequence[str] = LOADERS) -> Iterator[Tuple[str, dict]]:
    """``(where, dataset_cfg)`` of every leaf dataset of ``loaders``, through dataset wrappers
    (``ConcatDataset.datasets``, ``RepeatDataset.dataset``, ...); ``where`` names it, e.g.
    ``'train_dataloader.dataset.datasets[1]'``. The dicts are the config's own (edits stick)."""
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if loader_cfg and loader_cfg.get('dataset') is not None:
            yield from _leaves(loader_cfg['dataset'], f'{loader}.dataset')


def _leaves(dataset_cfg, where: str):
    if dataset_cfg.get('datasets') is not None:
        for i, child in enumerate(dataset_cfg['datasets']):
            yield from _leaves(child, f'{where}.datasets[{i}]')
    elif dataset_cfg.get('dataset') is not None:
        yield from _leaves(dataset_cfg['dataset'], f'{where}.dataset')
    else:
        yield where, dataset_cfg


def reroot_dataloaders(cfg, data_root: str, loaders: Sequence[str] = LOADERS) -> List[str]:
    """Set ``data_root`` of every dataset of ``loaders`` (``--data-root``): relative
    ``data_prefix`` folders and ``ann_file`` then resolve under it, as in mmseg where
    ``data_root`` is one variable. Returns the re-rooted datasets' names.

    Raises:
        ValueError: a dataset's ``data_prefix`` folder is absolute, so it cannot be re-rooted.
    """
    rerooted = []
    for where, dataset_cfg in iter_dataset_cfgs(cfg, loaders):
        absolute = {k: v for k, v in (dataset_cfg.get('data_prefix') or {}).items()
                    if isinstance(v, str) and osp.isabs(v)}
        if absolute:
            raise ValueError(f'--data-root cannot re-root {where}: its data_prefix {absolute} is '
                             'absolute; make it relative to data_root in the config')
        dataset_cfg['data_root'] = data_root
        rerooted.append(where)
    if 'data_root' in cfg:  # the config's own variable, for anything that reads it later
        cfg.data_root = data_root
    return rerooted


def _build_lazily(dataset_cfg: dict):
    """The dataset object without loading its data list or building its pipeline; None for a
    type that is not an mmengine ``BaseDataset`` (it may not take ``lazy_init``)."""
    from mmengine.dataset import BaseDataset

    from cdkd.registry import DATASETS
    dataset_type = dataset_cfg.get('type')
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    if not (isinstance(cls, type) and issubclass(cls, BaseDataset)):
        return None
    return DATASETS.build(dict(copy.deepcopy(dataset_cfg), lazy_init=True, pipeline=[]))


def check_loader_data(cfg, loaders: Sequence[str]) -> None:
    """Fail before any model or loader is built when a dataset's data is missing, naming the
    loader (``FileNotFoundError``). Datasets without ``check_data_exists`` are skipped."""
    for where, dataset_cfg in iter_dataset_cfgs(cfg, loaders):
        check = getattr(_build_lazily(dataset_cfg), 'check_data_exists', None)
        if check is None:
            continue
        try:
            check()
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'{where}: {err}; point the config at the data with --data-root DIR (every '
                f'loader) or --cfg-options {where}.data_root=DIR') from None


def loader_data_folders(cfg, loaders: Sequence[str]) -> Dict[str, str]:
    """Real path -> ``where`` of every folder the datasets of ``loaders`` read."""
    folders = {}
    for where, dataset_cfg in iter_dataset_cfgs(cfg, loaders):
        for folder in getattr(_build_lazily(dataset_cfg), 'data_folders', list)():
            folders.setdefault(osp.realpath(folder), where)
    return folders


def inside(path: str, folder: str) -> bool:
    """Whether real path ``path`` is ``folder`` or lies below it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip(osp.sep) + osp.sep)


def check_outputs_outside_data(cfg, outputs: Dict[str, str], loaders: Sequence[str]) -> None:
    """Refuse output folders (``{'--out': path}``) that are, or lie inside, a folder the datasets
    of ``loaders`` read (images or labels): writing there would overwrite the data."""
    folders = loader_data_folders(cfg, loaders)
    for flag, path in outputs.items():
        if not path:
            continue
        real = osp.realpath(path)
        for folder, where in folders.items():
            if inside(real, folder):
                raise ValueError(f'{flag} {path} is inside {folder}, a data folder of {where}: '
                                 'its files would overwrite the data; choose another folder')
