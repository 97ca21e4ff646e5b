from .cam_distillation_detector import CAMDistillationDetector
from .gold_change_detector import GOLDChangeDetector
from .siamese_cam_net import SiameseCAMNet
from .siamese_encoder_decoder import SiameseEncoderDecoder
from .tinycd import TinyCD

__all__ = ['SiameseEncoderDecoder', 'SiameseCAMNet', 'CAMDistillationDetector', 'GOLDChangeDetector',
           'TinyCD']
