from .attention_transfer_loss import AttentionTransferLoss, normalize_saliency
from .gold_distill_loss import (GOLDDistillLoss, difference_map, distill_alpha, feature_loss,
                                region_feature_loss, region_mask, soft_label_kl, teacher_quality)
from .uncertainty_weighting import UncertaintyTaskWeighting, cosine_warmup, main_task_boost

__all__ = [
    'AttentionTransferLoss', 'normalize_saliency', 'GOLDDistillLoss', 'difference_map',
    'distill_alpha', 'feature_loss', 'region_feature_loss', 'region_mask', 'soft_label_kl',
    'teacher_quality', 'UncertaintyTaskWeighting', 'cosine_warmup', 'main_task_boost'
]
