from .attention_transfer_loss import AttentionTransferLoss, normalize_saliency
from .bce_dice_loss import BCEDiceLoss, HardTargetBCEDiceLoss, bce_dice
from .channel_wise_divergence import ChannelWiseDivergence, channel_wise_divergence
from .feature_distill_loss import FeatureDistillLoss
from .gold_dice_loss import GOLDDiceLoss, gold_dice_loss
from .gold_distill_loss import (GOLDDistillLoss, difference_map, distill_alpha, feature_loss,
                                label_feature_mask, parameter_free_attention, region_feature_loss,
                                region_mask, soft_label_kl, teacher_quality)
from .pixel_kl_loss import PixelKLDivLoss, masked_mean, pixel_kl_div
from .probability_mse_loss import ProbabilityMSELoss, change_probabilities
from .uncertainty_weighting import UncertaintyTaskWeighting, cosine_warmup, main_task_boost
from .weighted_mean_ce_loss import WeightedMeanCrossEntropyLoss

__all__ = [
    'BCEDiceLoss', 'HardTargetBCEDiceLoss', 'bce_dice',
    'PixelKLDivLoss', 'ProbabilityMSELoss', 'FeatureDistillLoss', 'pixel_kl_div', 'masked_mean',
    'change_probabilities', 'AttentionTransferLoss', 'normalize_saliency', 'GOLDDistillLoss',
    'difference_map', 'distill_alpha', 'feature_loss', 'region_feature_loss', 'region_mask',
    'soft_label_kl', 'teacher_quality', 'UncertaintyTaskWeighting', 'cosine_warmup',
    'main_task_boost', 'GOLDDiceLoss', 'gold_dice_loss', 'label_feature_mask',
    'parameter_free_attention', 'WeightedMeanCrossEntropyLoss', 'ChannelWiseDivergence',
    'channel_wise_divergence'
]
