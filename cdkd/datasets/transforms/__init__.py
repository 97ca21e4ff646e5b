from .bands import MultiImgSelectBands
from .blur import MultiImgRandomGaussianBlur
from .formatting import PackChangeInputs
from .geometric import (MultiImgPad, MultiImgRandomCrop, MultiImgRandomFlip,
                        MultiImgRandomResize, MultiImgRandomRotate, MultiImgRandomRotate90,
                        MultiImgResize)
from .image_label import ImageLevelChangeLabel
from .loading import LoadChangeAnnotation, LoadMultiImageFromFile
from .perturbation import (StudentBrightness, StudentContrast, StudentGamma,
                           StudentHistogramMatching, StudentHueSaturation, StudentRandomChoice)
from .perturbation_degrade import (StudentGaussianBlur, StudentGaussianNoise,
                                   StudentJPEGCompression, StudentRandomErasing,
                                   StudentRegistrationError, StudentSpeckleNoise)
from .photometric import MultiImgPhotoMetricDistortion
from .temporal import RandomTemporalExchange

__all__ = [
    'LoadMultiImageFromFile', 'LoadChangeAnnotation', 'MultiImgRandomCrop', 'MultiImgRandomFlip',
    'MultiImgRandomRotate', 'MultiImgRandomRotate90', 'MultiImgResize', 'MultiImgRandomResize',
    'MultiImgPad', 'MultiImgPhotoMetricDistortion', 'RandomTemporalExchange', 'PackChangeInputs',
    'ImageLevelChangeLabel',
    'StudentBrightness', 'StudentContrast', 'StudentGamma', 'StudentHueSaturation',
    'StudentHistogramMatching', 'StudentRandomChoice', 'StudentGaussianNoise',
    'StudentSpeckleNoise', 'StudentGaussianBlur', 'StudentJPEGCompression',
    'StudentRegistrationError', 'StudentRandomErasing',
    'MultiImgSelectBands', 'MultiImgRandomGaussianBlur'
]
