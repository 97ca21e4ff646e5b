from .attention_transfer_loss import AttentionTransferLoss, normalize_saliency
from .bce_dice_loss import BCEDiceLoss, HardTargetBCEDiceLoss, bce_dice
from .channel_wise_divergence import ChannelWiseDivergence, channel_wise_divergence
from .feature_distill_loss import FeatureDistillLoss
from .gold_distill_loss import (GOLDDistillLoss, difference_map, distill_alpha, feature_loss,
                                region_feature_loss, region_mask, soft_label_kl, teacher_quality)
from .pixel_kl_loss import PixelKLDivLoss, masked_mean, pixel_kl_div
from .probability_mse_loss import ProbabilityMSELoss, change_probabilities
from .uncertainty_weighting import UncertaintyTaskWeighting, cosine_warmup, main_task_boost

__all__ = [
    'BCEDiceLoss', 'HardTargetBCEDiceLoss', 'bce_dice',
    'PixelKLDivLoss', 'ProbabilityMSELoss', 'FeatureDistillLoss', 'pixel_kl_div', 'masked_mean',
    'change_probabilities', 'AttentionTransferLoss', 'normalize_saliency', 'GOLDDistillLoss',
    'difference_map', 'distill_alpha', 'feature_loss', 'region_feature_loss', 'region_mask',
    'soft_label_kl', 'teacher_quality', 'UncertaintyTaskWeighting', 'cosine_warmup',
    'main_task_boost', 'ChannelWiseDivergence', 'channel_wise_divergence'
]
