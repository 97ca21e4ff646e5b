from .color_jitter_student_view import ColorJitterBlurStudentView
from .configurable_distiller import ConfigurableDistiller
from .connectors import ChangeLogitConnector, ConvModuleConnector
from .recorders import ModuleOutputRecorder, RecorderManager
from .stkd_distiller import STKDDistiller
from .teacher_student_distiller import TeacherStudentDistiller, build_teacher
from .teacher_weighting import ChangeAreaTeacherAssigner, change_area_range, change_area_ratio

__all__ = [
    'ColorJitterBlurStudentView', 'ModuleOutputRecorder', 'RecorderManager', 'STKDDistiller',
    'ConfigurableDistiller', 'ConvModuleConnector', 'ChangeLogitConnector',
    'TeacherStudentDistiller', 'build_teacher', 'ChangeAreaTeacherAssigner', 'change_area_range',
    'change_area_ratio'
]
