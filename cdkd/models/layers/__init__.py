from .acff import ACFF
from .cbam import CBAM, ChannelAttention, SpatialAttention
from .codem import CoDEM
from .coord_attention import CoordAttention
from .difference_attention import DifferenceAttention

__all__ = ['ACFF', 'CBAM', 'ChannelAttention', 'SpatialAttention', 'CoDEM', 'CoordAttention',
           'DifferenceAttention']
