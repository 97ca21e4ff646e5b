from .bands import MultiImgSelectBands
from .formatting import PackChangeInputs
from .geometric import (MultiImgPad, MultiImgRandomCrop, MultiImgRandomFlip,
                        MultiImgRandomResize, MultiImgRandomRotate, MultiImgRandomRotate90,
                        MultiImgResize)
from .loading import LoadChangeAnnotation, LoadMultiImageFromFile
from .photometric import MultiImgPhotoMetricDistortion
from .temporal import RandomTemporalExchange

__all__ = [
    'LoadMultiImageFromFile', 'LoadChangeAnnotation', 'MultiImgRandomCrop', 'MultiImgRandomFlip',
    'MultiImgRandomRotate', 'MultiImgRandomRotate90', 'MultiImgResize', 'MultiImgRandomResize',
    'MultiImgPad', 'MultiImgPhotoMetricDistortion', 'RandomTemporalExchange', 'PackChangeInputs',
    'MultiImgSelectBands'
]
