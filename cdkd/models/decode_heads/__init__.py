from .plain_aspp_plus_head import PlainASPPPlusHead
from .seifnet_head import SEIFNetHead, SupervisedAttention
from .tinycd_head import TinyCDHead

__all__ = ['PlainASPPPlusHead', 'SEIFNetHead', 'SupervisedAttention', 'TinyCDHead']
