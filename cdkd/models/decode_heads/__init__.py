from .plain_aspp_plus_head import PlainASPPPlusHead
from .seifnet_head import SEIFNetHead, SupervisedAttention

__all__ = ['PlainASPPPlusHead', 'SEIFNetHead', 'SupervisedAttention']
