from .hooks import (ChangeVisualizationHook, CheckInvalidLossHook, EMATeacherHook,
                    StudentViewMetricHook)
from .optimizers import BackboneHeadParamGroupsConstructor

__all__ = [
    'ChangeVisualizationHook', 'CheckInvalidLossHook', 'EMATeacherHook', 'StudentViewMetricHook',
    'BackboneHeadParamGroupsConstructor'
]
