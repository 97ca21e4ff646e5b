from .change_visualization_hook import ChangeVisualizationHook
from .check_invalid_loss_hook import CheckInvalidLossHook
from .checkpoint_hook import CheckpointHook
from .ema_teacher_hook import EMATeacherHook
from .student_view_metric_hook import StudentViewMetricHook

__all__ = [
    'ChangeVisualizationHook', 'CheckInvalidLossHook', 'CheckpointHook', 'EMATeacherHook',
    'StudentViewMetricHook'
]
