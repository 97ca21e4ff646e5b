from .gold_change_detector import GOLDChangeDetector
from .siamese_encoder_decoder import SiameseEncoderDecoder

__all__ = ['GOLDChangeDetector', 'SiameseEncoderDecoder']
