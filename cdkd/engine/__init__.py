from .hooks import ChangeVisualizationHook, CheckInvalidLossHook
from .optimizers import BackboneHeadParamGroupsConstructor

__all__ = ['ChangeVisualizationHook', 'CheckInvalidLossHook', 'BackboneHeadParamGroupsConstructor']
