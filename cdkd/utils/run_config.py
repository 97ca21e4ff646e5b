import os.path as osp
from typing import Optional

from mmengine.config import Config

from .dataloaders import reroot_dataloaders


def load_run_config(config: str, launcher: str = 'none', cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None, data_root: Optional[str] = None) -> Config:
    """A tool's config: file checked, every loader re-rooted at ``data_root`` (``--data-root``,
    before ``--cfg-options``, so a single loader can still be overridden), ``--cfg-options``
    merged, launcher set, and the work dir ``work_dirs/<config name>`` unless given or set in the
    file (mmseg's convention)."""
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist')
    cfg = Config.fromfile(config)
    if data_root is not None:
        reroot_dataloaders(cfg, data_root)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg
