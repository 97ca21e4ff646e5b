from .compat import apply_compat_patches
from .run_config import load_run_config
from .set_env import register_all_modules

__all__ = ['load_run_config', 'register_all_modules', 'apply_compat_patches']
