from .feature_fusion import FeatureFusionNeck, fuse_features

__all__ = ['FeatureFusionNeck', 'fuse_features']
