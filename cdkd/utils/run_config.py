import logging
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.logging import print_log

from .dataloaders import reroot_dataloaders
from .train_options import adapt_dataloaders


def load_run_config(config: str, launcher: str = 'none', cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None, data_root: Optional[str] = None) -> Config:
    """A tool's config: file checked, every loader re-rooted at ``data_root`` (``--data-root``,
    before ``--cfg-options``, so a single loader can still be overridden), ``--cfg-options``
    merged, launcher set, dataloaders fitted to the machine (:func:`adapt_dataloaders`), and the
    work dir ``work_dirs/<config name>`` unless given or set in the file (mmseg's convention)."""
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist')
    cfg = Config.fromfile(config)
    if data_root is not None:
        reroot_dataloaders(cfg, data_root)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    adapt_dataloaders(cfg)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def checkpoint_dir(cfg: Config) -> str:
    """The folder the checkpoint hook of ``cfg`` saves to: the work dir, or with the hook's
    ``out_dir`` set ``out_dir/<work dir name>`` (mmengine's rule)."""
    out_dir = cfg.get('default_hooks', {}).get('checkpoint', {}).get('out_dir')
    if out_dir is None:
        return cfg.work_dir
    return osp.join(out_dir, osp.basename(cfg.work_dir.rstrip('/')))


def latest_checkpoint(cfg: Config) -> Optional[str]:
    """The checkpoint that ``resume=True`` continues from: the file named in
    ``<work dir>/last_checkpoint`` looked up by name in this run's checkpoint folder, or None
    (logged: training starts from scratch) when the work dir has no ``last_checkpoint``.

    mmengine records an absolute (or cwd-relative) path there, so a copied work dir would resume
    from, and then rotate files of, the original; the name alone keeps the run in its own folder.
    A recorded checkpoint missing from that folder is an error naming both paths.
    """
    record = osp.join(cfg.work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        print_log(f'Resume: no checkpoint found in {cfg.work_dir} (no last_checkpoint file); '
                  'training starts from scratch.', logger='current', level=logging.WARNING)
        return None
    with open(record) as f:
        recorded = f.read().strip()
    folder = checkpoint_dir(cfg)
    path = osp.join(folder, osp.basename(recorded))
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{record} names {recorded}, but {folder} has no {osp.basename(recorded)} (a work dir '
            'copied without its checkpoints?); pass the checkpoint to resume from as '
            '--resume CKPT.')
    print_log(f'Resuming from {path}, the latest checkpoint in {folder}.', logger='current')
    return path
