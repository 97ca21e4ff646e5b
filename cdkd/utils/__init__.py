from .compat import apply_compat_patches
from .dataloaders import (check_loader_data, check_outputs_outside_data, iter_dataset_cfgs,
                          reroot_dataloaders)
from .run_config import load_run_config
from .set_env import register_all_modules

__all__ = ['load_run_config', 'register_all_modules', 'apply_compat_patches', 'reroot_dataloaders',
           'check_loader_data', 'check_outputs_outside_data', 'iter_dataset_cfgs']
