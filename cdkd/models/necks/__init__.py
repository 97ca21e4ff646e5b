from .codem_neck import CoDEMNeck
from .feature_fusion import FeatureFusionNeck, fuse_features
from .multi_level_concat import MultiLevelConcatNeck
from .tinycd_mixing_neck import TinyCDMixingNeck

__all__ = ['CoDEMNeck', 'FeatureFusionNeck', 'fuse_features', 'MultiLevelConcatNeck',
           'TinyCDMixingNeck']
