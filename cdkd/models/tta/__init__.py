from .multiscale_change_tta import MultiScaleChangeTTA

__all__ = ['MultiScaleChangeTTA']
