from .seifnet_head import SEIFNetHead, SupervisedAttention

__all__ = ['SEIFNetHead', 'SupervisedAttention']
