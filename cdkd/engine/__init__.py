from .hooks import (ChangeVisualizationHook, CheckInvalidLossHook, EMATeacherHook,
                    StudentViewMetricHook)
from .optimizers import BackboneHeadParamGroupsConstructor
from .schedulers import PolyLRToEnd

__all__ = [
    'ChangeVisualizationHook', 'CheckInvalidLossHook', 'EMATeacherHook', 'StudentViewMetricHook',
    'BackboneHeadParamGroupsConstructor', 'PolyLRToEnd'
]
