from .feature_distill_loss import FeatureDistillLoss
from .pixel_kl_loss import PixelKLDivLoss, masked_mean, pixel_kl_div
from .probability_mse_loss import ProbabilityMSELoss, change_probabilities

__all__ = [
    'PixelKLDivLoss', 'ProbabilityMSELoss', 'FeatureDistillLoss', 'pixel_kl_div', 'masked_mean',
    'change_probabilities'
]
