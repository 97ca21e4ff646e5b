from .poly_lr import PolyLRToEnd

__all__ = ['PolyLRToEnd']
