"""GOLD online distillation terms (teacher: optical/optical branch, student: optical/SAR branch).

Formulas follow the official pseudocode (HeteroCD-GOLD ``doc/pseudocode``, summarised in
docs/methods/gold.md). Every teacher-side input is detached here: the student learns from the
teacher, the teacher learns only from its own change loss.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cdkd.registry import MODELS
from .attention_transfer_loss import AttentionTransferLoss
from .pixel_kl_loss import pixel_kl_div
from .utils import float32_forward

EPS = 1e-6


def difference_map(feat1: Tensor, feat2: Tensor, group_size: int = 16, raw: bool = False) -> Tensor:
    """GOLD difference map of two temporal features, one map per channel group.

    ``D_L2 = sqrt(sum_c (F1 - F2)^2 + eps)``, ``D_cos = 1 - cos(F1, F2)`` over the channels of each
    group (groups of ``group_size`` channels when C > group_size, else one group), and
    ``D = tanh(2 (D_L2 + D_cos) / 2) * 0.5 + 0.5`` in [0.5, 1). ``raw=True`` returns
    ``D_L2 + D_cos`` before the squash (the region-aware loss works on it).

    Returns: ``(N, G, H, W)``.
    """
    n, c, h, w = feat1.shape
    groups = c // group_size if (c > group_size and c % group_size == 0) else 1
    f1 = feat1.reshape(n, groups, c // groups, h, w)
    f2 = feat2.reshape(n, groups, c // groups, h, w)
    d_l2 = torch.sqrt(((f1 - f2)**2).sum(dim=2) + EPS)
    d_cos = 1 - F.cosine_similarity(f1, f2, dim=2, eps=EPS)
    d_raw = d_l2 + d_cos
    return d_raw if raw else torch.tanh(2 * d_raw / 2) * 0.5 + 0.5


def feature_loss(feat_s: Tensor, feat_t: Tensor) -> Tensor:
    """``L_feat = 0.7 MSE(F_s, F_t) + 0.3 (1 - cos(F_s, F_t))`` (cosine over flattened samples)."""
    feat_t = feat_t.detach()
    cos = F.cosine_similarity(feat_s.flatten(1), feat_t.flatten(1), dim=1, eps=EPS).mean()
    return 0.7 * F.mse_loss(feat_s, feat_t) + 0.3 * (1 - cos)


def region_mask(diff_raw_t: Tensor) -> Tensor:
    """Changed-region mask R_c (N, 1, H, W) from the teacher's raw difference map (N, G, H, W)."""
    d_o = diff_raw_t.detach().mean(dim=1, keepdim=True)
    mean_o = d_o.mean(dim=(2, 3), keepdim=True)
    scale = 2.0 * (d_o > 1.3 * mean_o).float() + 0.5
    d = d_o * scale
    d_min = d.amin(dim=(2, 3), keepdim=True)
    d_max = d.amax(dim=(2, 3), keepdim=True)
    d_n = (d - d_min) / (d_max - d_min + EPS)
    theta = d_n.mean(dim=(2, 3), keepdim=True) + d_n.std(dim=(2, 3), keepdim=True) + EPS
    d_e = torch.where(d_n > theta, d_n**2 / theta, d_n**2 / (2 * theta))
    m = torch.exp(2 * d_e)
    m = m / m.mean(dim=(2, 3), keepdim=True)
    return (m > 1.5 * m.mean(dim=(2, 3), keepdim=True)).float()


def region_feature_loss(feat_s: Tensor, feat_t: Tensor, diff_raw_t: Tensor) -> Tensor:
    """``L_f = 2 MSE(F_s R_c, F_t R_c) + 0.5 MSE(F_s (1 - R_c), F_t (1 - R_c))``."""
    feat_t = feat_t.detach()
    r_c = region_mask(diff_raw_t)
    if r_c.shape[-2:] != feat_s.shape[-2:]:
        r_c = F.interpolate(r_c, size=feat_s.shape[-2:], mode='nearest')
    return (2.0 * F.mse_loss(feat_s * r_c, feat_t * r_c) +
            0.5 * F.mse_loss(feat_s * (1 - r_c), feat_t * (1 - r_c)))


def soft_label_kl(logits_s: Tensor,
                  logits_t: Tensor,
                  temperature: float,
                  weight: Optional[Tensor] = None) -> Tensor:
    """Temperature-scaled KL from the teacher's soft output to the student's, times T^2.

    ``(N, 1, H, W)`` logits use the Bernoulli KL of the sigmoid (a softmax over one channel is
    identically zero); ``(N, K>1, H, W)`` use the softmax KL. ``weight`` (N, H, W) weights pixels
    (the quality mask); the result is the weighted mean per pixel.
    """
    t = temperature
    kl = pixel_kl_div(logits_s, logits_t.detach(), temperature=t)
    if weight is None:
        return kl.mean() * t * t
    return (kl * weight).sum() / weight.sum().clamp_min(1.0) * t * t


def teacher_quality(logits_t: Tensor, gt: Tensor, ignore_index: int = 255) -> Tensor:
    """Per-pixel quality of the teacher's soft label: its probability of the true class where its
    prediction agrees with the label, 0 where it disagrees or the label is ignored. ``(N, H, W)``."""
    logits_t = logits_t.detach()
    valid = gt != ignore_index
    target = torch.where(valid, gt, torch.zeros_like(gt))
    if logits_t.shape[1] == 1:
        p1 = logits_t[:, 0].sigmoid()
        p_true = torch.where(target == 1, p1, 1 - p1)
    else:
        p_true = logits_t.softmax(dim=1).gather(1, target[:, None].long())[:, 0]
    agrees = p_true > 0.5
    return p_true * (agrees & valid).float()


def distill_alpha(epoch: int,
                  start_epoch: int = 10,
                  base: float = 0.4,
                  step: float = 0.01,
                  max_alpha: float = 0.6) -> Optional[float]:
    """Output-loss share alpha: ``None`` up to ``start_epoch`` (fixed 0.3/0.4/0.3 weights), then
    ``min(base + step (epoch - start_epoch), max_alpha)``."""
    if epoch <= start_epoch:
        return None
    return min(base + step * (epoch - start_epoch), max_alpha)


@MODELS.register_module()
class GOLDDistillLoss(nn.Module):
    """GOLD's online distillation loss L_D, split into a distillation and an attention part.

    ``forward`` returns a dict of raw terms (``feat``, ``out``, ``att`` and its parts) and the two
    weighted task losses ``distill = w_feat L_feat + w_out L_out`` and ``attention = w_att L_att``,
    so ``distill + attention = L_D`` of the pseudocode (0.3/0.4/0.3, then alpha after epoch 10).

    Args:
        temperature: T of the soft-label KL.
        weights: (w_feat, w_out, w_att) before ``alpha_start_epoch``.
        alpha_start_epoch: after this epoch alpha = min(0.4 + 0.01 (e - 10), 0.6) and the weights
            become (1 - alpha, alpha, 1 - alpha); ``None`` keeps the fixed weights.
        quality_weighted: weight the KL per pixel by the teacher's quality mask.
        feature_loss_type: 'global' (L_feat) or 'region' (the region-aware L_DW: then ``feat``
            holds L_DW's feature part 0.5 L_f and ``att`` uses L_DW's 0.3/0.2 attention weights).
        group_size: channel group size of the difference maps.
        saliency_normalize: normalisation of the attention maps before their MSE (see
            :class:`AttentionTransferLoss`).
    """

    def __init__(self,
                 temperature: float = 4.0,
                 weights=(0.3, 0.4, 0.3),
                 alpha_start_epoch: Optional[int] = 10,
                 quality_weighted: bool = True,
                 feature_loss_type: str = 'global',
                 group_size: int = 16,
                 saliency_normalize: Optional[str] = 'minmax'):
        super().__init__()
        if feature_loss_type not in ('global', 'region'):
            raise ValueError(
                f"feature_loss_type must be 'global' or 'region', got {feature_loss_type!r}")
        self.temperature = float(temperature)
        self.weights = tuple(float(w) for w in weights)
        self.alpha_start_epoch = alpha_start_epoch
        self.quality_weighted = quality_weighted
        self.feature_loss_type = feature_loss_type
        self.group_size = group_size
        self.attention_transfer = AttentionTransferLoss(normalize=saliency_normalize)

    def term_weights(self, epoch: int):
        alpha = None if self.alpha_start_epoch is None else distill_alpha(
            epoch, self.alpha_start_epoch)
        if alpha is None:
            return self.weights
        return 1 - alpha, alpha, 1 - alpha

    @float32_forward
    def forward(self,
                feat_s,
                feat_t,
                logits_s,
                logits_t,
                gt,
                temporal_s,
                temporal_t,
                att_s,
                att_t,
                epoch: int = 0,
                with_attention: bool = True) -> dict:
        """
        Args:
            feat_s, feat_t: fused (attention-refined) change features ``(N, C, h, w)``.
            logits_s, logits_t: head outputs resized to the label, ``(N, K, H, W)``.
            gt: labels ``(N, H, W)`` (255 ignored).
            temporal_s, temporal_t: ``(F1, F2)`` temporal features of each branch at that level.
            att_s, att_t: dicts with ``channel`` (N, C) and ``spatial`` (N, 1, h, w) saliency.
        """
        w_feat, w_out, w_att = self.term_weights(epoch)
        weight = teacher_quality(logits_t, gt) if self.quality_weighted else None
        terms = dict(out=soft_label_kl(logits_s, logits_t, self.temperature, weight))
        diff_s = difference_map(*temporal_s, group_size=self.group_size)
        diff_t = difference_map(*temporal_t, group_size=self.group_size)
        terms.update(self.attention_transfer(diff_s, diff_t, att_s, att_t))
        if self.feature_loss_type == 'global':
            terms['feat'] = feature_loss(feat_s, feat_t)
            terms['att'] = (0.5 * terms['att_diff'] + 0.3 * terms['att_channel'] +
                            0.2 * terms['att_spatial'])
        else:
            raw_t = difference_map(*temporal_t, group_size=self.group_size, raw=True)
            terms['feat'] = 0.5 * region_feature_loss(feat_s, feat_t, raw_t)
            terms['att'] = (0.3 * (terms['att_spatial'] + terms['att_channel']) +
                            0.2 * terms['att_diff'])
        terms['distill'] = w_feat * terms['feat'] + w_out * terms['out']
        terms['attention'] = (
            w_att * terms['att'] if with_attention else terms['att'].new_zeros(()))
        return terms
