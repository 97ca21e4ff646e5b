"""TinyCD (Codegoni et al., Neural Computing and Applications 2023) as a cdkd change detector."""
from torch import Tensor

from cdkd.registry import MODELS
from .siamese_encoder_decoder import SiameseEncoderDecoder


@MODELS.register_module()
class TinyCD(SiameseEncoderDecoder):
    """A Siamese encoder whose per-date levels start with the images themselves (TinyCD mixes the
    two raw images into its full-resolution attention mask), fused by ``TinyCDMixingNeck`` and
    decoded by ``TinyCDHead``; everything else is ``SiameseEncoderDecoder``."""

    def extract_temporal_feats(self, inputs: Tensor):
        img1, img2 = self.split_temporal(inputs)
        feats1, feats2 = super().extract_temporal_feats(inputs)
        return (img1, *feats1), (img2, *feats2)
