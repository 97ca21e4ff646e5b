from .hooks import (ChangeVisualizationHook, CheckInvalidLossHook, EMATeacherHook,
                    StudentViewMetricHook)

__all__ = [
    'ChangeVisualizationHook', 'CheckInvalidLossHook', 'EMATeacherHook', 'StudentViewMetricHook'
]
