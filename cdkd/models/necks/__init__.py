from .codem_neck import CoDEMNeck
from .feature_fusion import FeatureFusionNeck, fuse_features

__all__ = ['CoDEMNeck', 'FeatureFusionNeck', 'fuse_features']
