from .change_visualization_hook import ChangeVisualizationHook
from .check_invalid_loss_hook import CheckInvalidLossHook

__all__ = ['ChangeVisualizationHook', 'CheckInvalidLossHook']
