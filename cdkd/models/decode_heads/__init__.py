from .seifnet_head import SEIFNetHead, SupervisedAttention
from .tinycd_head import TinyCDHead

__all__ = ['SEIFNetHead', 'SupervisedAttention', 'TinyCDHead']
