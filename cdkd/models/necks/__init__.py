from .feature_fusion import FeatureFusionNeck, fuse_features
from .multi_level_concat import MultiLevelConcatNeck

__all__ = ['FeatureFusionNeck', 'fuse_features', 'MultiLevelConcatNeck']
