from .color_jitter_student_view import ColorJitterBlurStudentView
from .recorders import ModuleOutputRecorder
from .stkd_distiller import STKDDistiller

__all__ = ['ColorJitterBlurStudentView', 'ModuleOutputRecorder', 'STKDDistiller']
