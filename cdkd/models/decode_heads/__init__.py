from .tinycd_head import TinyCDHead

__all__ = ['TinyCDHead']
