from .change_metric import ChangeMetric
from .threshold_sweep_metric import ThresholdSweepMetric

__all__ = ['ChangeMetric', 'ThresholdSweepMetric']
