from .feature_fusion import FeatureFusionNeck, fuse_features
from .tinycd_mixing_neck import TinyCDMixingNeck

__all__ = ['FeatureFusionNeck', 'fuse_features', 'TinyCDMixingNeck']
