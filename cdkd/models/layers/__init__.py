from .acff import ACFF
from .bidirectional_channel_attention import BidirectionalChannelAttention
from .cbam import CBAM, ChannelAttention, SpatialAttention
from .codem import CoDEM
from .coord_attention import CoordAttention
from .difference_attention import DifferenceAttention
from .difference_map_fusion import DifferenceMapFusion

__all__ = ['ACFF', 'BidirectionalChannelAttention', 'CBAM', 'ChannelAttention', 'SpatialAttention',
           'CoDEM', 'CoordAttention', 'DifferenceAttention', 'DifferenceMapFusion']
