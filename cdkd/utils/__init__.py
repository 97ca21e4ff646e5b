from .compat import apply_compat_patches
from .set_env import register_all_modules

__all__ = ['register_all_modules', 'apply_compat_patches']
