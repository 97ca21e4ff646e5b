from .bidirectional_channel_attention import BidirectionalChannelAttention
from .difference_attention import DifferenceAttention
from .difference_map_fusion import DifferenceMapFusion

__all__ = ['BidirectionalChannelAttention', 'DifferenceAttention', 'DifferenceMapFusion']
