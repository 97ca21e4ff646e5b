from .logit_sum_change_tta import LogitSumChangeTTA
from .multiscale_change_tta import MultiScaleChangeTTA

__all__ = ['MultiScaleChangeTTA', 'LogitSumChangeTTA']
