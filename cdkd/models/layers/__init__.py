from .difference_attention import DifferenceAttention

__all__ = ['DifferenceAttention']
