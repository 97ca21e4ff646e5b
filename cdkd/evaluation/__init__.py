from .functional import CHANGE_SCORE_NAMES, change_scores, confusion_matrix
from .metrics import ChangeMetric, ThresholdSweepMetric
from .threshold_sweep import (best_threshold, sweep_confusion, sweep_scores,
                              threshold_grid)

__all__ = ['ChangeMetric', 'confusion_matrix', 'change_scores', 'CHANGE_SCORE_NAMES',
           'ThresholdSweepMetric', 'threshold_grid', 'sweep_confusion', 'sweep_scores',
           'best_threshold']
