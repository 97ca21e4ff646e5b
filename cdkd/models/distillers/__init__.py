from .recorders import ModuleOutputRecorder
from .stkd_distiller import STKDDistiller

__all__ = ['ModuleOutputRecorder', 'STKDDistiller']
