from .functional import CHANGE_SCORE_NAMES, change_scores, confusion_matrix
from .metrics import ChangeMetric

__all__ = ['ChangeMetric', 'confusion_matrix', 'change_scores', 'CHANGE_SCORE_NAMES']
