import os.path as osp
from typing import Optional

from mmengine.config import Config

from .train_options import adapt_dataloaders


def load_run_config(config: str, launcher: str = 'none', cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None) -> Config:
    """A tool's config: file checked, ``--cfg-options`` merged, launcher set, dataloaders fitted
    to the machine (:func:`adapt_dataloaders`), and the work dir ``work_dirs/<config name>`` unless
    given or set in the file (mmseg's convention)."""
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    adapt_dataloaders(cfg)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg
