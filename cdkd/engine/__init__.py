from .hooks import ChangeVisualizationHook, CheckInvalidLossHook

__all__ = ['ChangeVisualizationHook', 'CheckInvalidLossHook']
