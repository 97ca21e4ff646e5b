"""GOLD online distillation terms (teacher: optical/optical branch, student: optical/SAR branch).

Defaults follow the official code (HeteroCD-GOLD @ acacc08, ``models/loss.py`` and
``models/GOLD.py``); the pseudocode's variants (``doc/pseudocode``) are options. The file:line of
each choice is in docs/methods/gold.md.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cdkd.registry import MODELS
from .attention_transfer_loss import AttentionTransferLoss
from .pixel_kl_loss import pixel_kl_div
from .utils import float32_forward

EPS = 1e-6
DIFFERENCE_MAPS = ('official', 'pseudocode')
ATTENTION_MAPS = ('parameter_free', 'learned')
KL_REDUCTIONS = ('element', 'pixel')
COSINE_ON = ('gap', 'flat')


def difference_map(feat1: Tensor,
                   feat2: Tensor,
                   mode: str = 'official',
                   group_size: int = 16,
                   raw: bool = False) -> Tensor:
    """GOLD difference map of two temporal features.

    ``D_L2 = sqrt(sum_c (F1 - F2)^2 + eps)``, ``D_cos = 1 - cos(F1, F2)`` over channels.

    * ``'official'`` (code since 2025-08-27): ``D = (D_L2 + D_cos) / 2`` divided by its per-sample
      maximum, one map ``(N, 1, H, W)`` in [0, 1];
    * ``'pseudocode'``: per group of ``group_size`` channels (when C > group_size), ``D =
      tanh(2 (D_L2 + D_cos) / 2) * 0.5 + 0.5`` in [0.5, 1), ``(N, G, H, W)``. It saturates at 1
      for unnormalised features (D_L2 >> 1), so its MSE carries almost no signal.

    ``raw=True`` returns ``D_L2 + D_cos`` before the squash/normalisation (pseudocode grouping;
    the region-aware loss works on it).
    """
    if mode not in DIFFERENCE_MAPS:
        raise ValueError(f'unknown difference map {mode!r}; choose one of {DIFFERENCE_MAPS}')
    n, c, h, w = feat1.shape
    if mode == 'official' and not raw:
        d_l2 = torch.sqrt(((feat1 - feat2)**2).sum(dim=1, keepdim=True) + EPS)
        d_cos = 1 - (F.normalize(feat1, dim=1) * F.normalize(feat2, dim=1)).sum(1, keepdim=True)
        d = (d_l2 + d_cos) / 2
        return d / (d.flatten(1).amax(dim=1).view(n, 1, 1, 1) + EPS)
    groups = c // group_size if (c > group_size and c % group_size == 0) else 1
    f1 = feat1.reshape(n, groups, c // groups, h, w)
    f2 = feat2.reshape(n, groups, c // groups, h, w)
    d_l2 = torch.sqrt(((f1 - f2)**2).sum(dim=2) + EPS)
    d_cos = 1 - F.cosine_similarity(f1, f2, dim=2, eps=EPS)
    d_raw = d_l2 + d_cos
    return d_raw if raw else torch.tanh(2 * d_raw / 2) * 0.5 + 0.5


def parameter_free_attention(feat: Tensor) -> dict:
    """The official code's attention maps of a feature map (no parameters):
    ``channel = sigmoid((avg_hw F + max_hw F) / 2)`` ``(N, C)`` and
    ``spatial = sigmoid(mean_c F + max_c F)`` ``(N, 1, H, W)``."""
    channel = torch.sigmoid((feat.mean(dim=(2, 3)) + feat.flatten(2).amax(dim=2)) / 2)
    spatial = torch.sigmoid(feat.mean(dim=1, keepdim=True) + feat.amax(dim=1, keepdim=True))
    return dict(channel=channel, spatial=spatial)


def label_feature_mask(gt: Tensor, size, weights: Sequence[float] = (4.0, 0.5)) -> Tensor:
    """Per-pixel feature weights from the label: ``weights[0]`` where changed (1), ``weights[1]``
    where unchanged (0), 0 elsewhere (ignored pixels); nearest-resized to ``size``.
    ``(N, 1, h, w)``."""
    mask = torch.zeros_like(gt, dtype=torch.float)
    mask[gt == 1] = float(weights[0])
    mask[gt == 0] = float(weights[1])
    return F.interpolate(mask[:, None], size=tuple(size), mode='nearest')


def feature_loss(feat_s: Tensor,
                 feat_t: Tensor,
                 mask: Optional[Tensor] = None,
                 mse_cos: Sequence[float] = (0.7, 0.3),
                 cosine_on: str = 'gap') -> Tensor:
    """``L_feat = a MSE(F_s M, F_t M) + b (1 - cos(g(F_s), g(F_t)))`` with ``(a, b) = mse_cos``,
    ``M`` the label mask (or 1) and ``g`` global average pooling (``'gap'``, official) or the
    flattened map (``'flat'``). The caller decides whether ``feat_t`` is detached."""
    if cosine_on not in COSINE_ON:
        raise ValueError(f'unknown cosine_on {cosine_on!r}; choose one of {COSINE_ON}')
    mse = F.mse_loss(feat_s, feat_t) if mask is None else F.mse_loss(feat_s * mask, feat_t * mask)
    if cosine_on == 'gap':
        v_s, v_t = feat_s.mean(dim=(2, 3)), feat_t.mean(dim=(2, 3))
    else:
        v_s, v_t = feat_s.flatten(1), feat_t.flatten(1)
    cos = F.cosine_similarity(v_s, v_t, dim=1, eps=1e-8).mean()
    return mse_cos[0] * mse + mse_cos[1] * (1 - cos)


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
    """``L_f = 2 MSE(F_s R_c, F_t R_c) + 0.5 MSE(F_s (1 - R_c), F_t (1 - R_c))`` (pseudocode)."""
    r_c = region_mask(diff_raw_t)
    if r_c.shape[-2:] != feat_s.shape[-2:]:
        r_c = F.interpolate(r_c, size=feat_s.shape[-2:], mode='nearest')
    return (2.0 * F.mse_loss(feat_s * r_c, feat_t * r_c) +
            0.5 * F.mse_loss(feat_s * (1 - r_c), feat_t * (1 - r_c)))


def soft_label_kl(logits_s: Tensor,
                  logits_t: Tensor,
                  temperature: float,
                  weight: Optional[Tensor] = None,
                  reduction: str = 'element') -> Tensor:
    """Temperature-scaled KL from the teacher's soft output (detached) to the student's, x T^2.

    ``(N, 1, H, W)`` logits use the Bernoulli KL of the sigmoid (a softmax over one channel is
    identically zero); ``(N, K>1, H, W)`` the softmax KL. ``reduction='element'`` averages over
    all N*K*H*W elements (official ``F.kl_div(reduction='mean')``, i.e. the per-pixel KL / K),
    ``'pixel'`` over pixels. ``weight`` (N, H, W) weights pixels (the pseudocode's quality mask).
    """
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f'unknown KL reduction {reduction!r}; choose one of {KL_REDUCTIONS}')
    t = temperature
    kl = pixel_kl_div(logits_s, logits_t.detach(), temperature=t)
    if reduction == 'element':
        kl = kl / logits_s.shape[1]
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
    """Pseudocode's output-loss share alpha: ``None`` up to ``start_epoch`` (fixed weights), then
    ``min(base + step (epoch - start_epoch), max_alpha)``."""
    if epoch <= start_epoch:
        return None
    return min(base + step * (epoch - start_epoch), max_alpha)


@MODELS.register_module()
class GOLDDistillLoss(nn.Module):
    """GOLD's online distillation, split into a distillation and an attention part.

    ``forward`` returns the raw terms (``feat``, ``out``, ``att`` and its parts ``att_diff``,
    ``att_channel``, ``att_spatial``) and two weighted task losses
    ``distill = w_feat L_feat + w_out L_out`` and
    ``attention = w_att (a_d att_diff + a_c att_channel + a_s att_spatial)``.

    Defaults are the official code: L_feat = 0.7 MSE on label-weighted features (changed 4.0,
    unchanged 0.5) + 0.3 cosine of the GAP vectors; L_out = KL at T = 2 averaged over elements;
    difference maps ``'official'`` on the per-date fused features; parameter-free attention maps of
    the distilled features, unnormalised; (w_feat, w_out) = (0.7, 0.3) inside the distillation task,
    (a_d, a_c, a_s) = (0.5, 0.3, 0.2) inside the attention task (the task weights come from
    :class:`UncertaintyTaskWeighting`, so w_att = 1); teacher features *not* detached (only the
    teacher's logits are: the official feature and attention MSEs pull on both branches).

    Args:
        temperature: T of the soft-label KL.
        kl_reduction: 'element' (official) or 'pixel', see :func:`soft_label_kl`.
        weights: (w_feat, w_out, w_att); the pseudocode's L_D is (0.3, 0.4, 0.3).
        att_weights: (a_d, a_c, a_s) of the attention terms.
        feature_mask_weights: (changed, unchanged) label weights of the feature MSE; None: plain.
        feature_mse_cos: weights of the MSE and the cosine inside L_feat.
        cosine_on: 'gap' (official) or 'flat'.
        difference_map: 'official' or 'pseudocode' (tanh), see :func:`difference_map`.
        attention_maps: 'parameter_free' (official: computed here from the distilled features) or
            'learned' (pseudocode: CBAM maps passed in by the detector).
        detach_teacher: detach the teacher's features and maps in every term (cdkd's choice
            before; the official code detaches only the logits).
        alpha_start_epoch: pseudocode's alpha schedule (weights become (1 - a, a, 1 - a) after it);
            None (official) keeps ``weights``.
        quality_weighted: weight the KL by the teacher's quality mask (pseudocode).
        feature_loss_type: 'global' (L_feat) or 'region' (pseudocode's region-aware L_DW: then
            ``feat`` holds 0.5 L_f and ``att`` uses L_DW's 0.2/0.3/0.3).
        group_size: channel group size of the pseudocode difference map.
        saliency_normalize: normalisation of the attention maps before their MSE (official None).
    """

    def __init__(self,
                 temperature: float = 2.0,
                 kl_reduction: str = 'element',
                 weights: Sequence[float] = (0.7, 0.3, 1.0),
                 att_weights: Sequence[float] = (0.5, 0.3, 0.2),
                 feature_mask_weights: Optional[Sequence[float]] = (4.0, 0.5),
                 feature_mse_cos: Sequence[float] = (0.7, 0.3),
                 cosine_on: str = 'gap',
                 difference_map: str = 'official',
                 attention_maps: str = 'parameter_free',
                 detach_teacher: bool = False,
                 alpha_start_epoch: Optional[int] = None,
                 quality_weighted: bool = False,
                 feature_loss_type: str = 'global',
                 group_size: int = 16,
                 saliency_normalize: Optional[str] = None):
        super().__init__()
        if feature_loss_type not in ('global', 'region'):
            raise ValueError(
                f"feature_loss_type must be 'global' or 'region', got {feature_loss_type!r}")
        for name, value, choices in (('difference_map', difference_map, DIFFERENCE_MAPS),
                                     ('attention_maps', attention_maps, ATTENTION_MAPS),
                                     ('kl_reduction', kl_reduction, KL_REDUCTIONS),
                                     ('cosine_on', cosine_on, COSINE_ON)):
            if value not in choices:
                raise ValueError(f'unknown {name} {value!r}; choose one of {choices}')
        if len(weights) != 3 or len(att_weights) != 3:
            raise ValueError('weights = (w_feat, w_out, w_att) and att_weights = '
                             f'(diff, channel, spatial) need 3 values each, got {weights}, '
                             f'{att_weights}')
        self.temperature = float(temperature)
        self.kl_reduction = kl_reduction
        self.weights = tuple(float(w) for w in weights)
        self.att_weights = tuple(float(w) for w in att_weights)
        self.feature_mask_weights = feature_mask_weights
        self.feature_mse_cos = tuple(feature_mse_cos)
        self.cosine_on = cosine_on
        self.difference_map = difference_map
        self.attention_maps = attention_maps
        self.detach_teacher = detach_teacher
        self.alpha_start_epoch = alpha_start_epoch
        self.quality_weighted = quality_weighted
        self.feature_loss_type = feature_loss_type
        self.group_size = group_size
        self.attention_transfer = AttentionTransferLoss(
            normalize=saliency_normalize, detach_teacher=detach_teacher)

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
                att_s=None,
                att_t=None,
                epoch: int = 0,
                with_attention: bool = True) -> dict:
        """
        Args:
            feat_s, feat_t: distilled change features of each branch ``(N, C, h, w)``.
            logits_s, logits_t: head outputs resized to the label, ``(N, K, H, W)``.
            gt: labels ``(N, H, W)`` (255 ignored).
            temporal_s, temporal_t: ``(F1, F2)`` per-date features of each branch (difference maps).
            att_s, att_t: learned maps (``attention_maps='learned'``): dicts with ``channel``
                ``(N, C)`` and ``spatial`` ``(N, 1, h, w)``; ignored for 'parameter_free'.
        """
        w_feat, w_out, w_att = self.term_weights(epoch)
        if self.detach_teacher:
            feat_t = feat_t.detach()
            temporal_t = tuple(f.detach() for f in temporal_t)
        weight = teacher_quality(logits_t, gt) if self.quality_weighted else None
        terms = dict(out=soft_label_kl(logits_s, logits_t, self.temperature, weight,
                                       self.kl_reduction))
        diff_s = difference_map(*temporal_s, self.difference_map, self.group_size)
        diff_t = difference_map(*temporal_t, self.difference_map, self.group_size)
        if self.attention_maps == 'parameter_free':
            att_s, att_t = parameter_free_attention(feat_s), parameter_free_attention(feat_t)
        elif att_s is None or att_t is None:
            raise ValueError("attention_maps='learned' needs the detector's learned maps "
                             '(give the detector a saliency module)')
        terms.update(self.attention_transfer(diff_s, diff_t, att_s, att_t))
        a_d, a_c, a_s = self.att_weights
        if self.feature_loss_type == 'global':
            mask = None if self.feature_mask_weights is None else label_feature_mask(
                gt, feat_s.shape[2:], self.feature_mask_weights)
            terms['feat'] = feature_loss(feat_s, feat_t, mask, self.feature_mse_cos,
                                         self.cosine_on)
            terms['att'] = (a_d * terms['att_diff'] + a_c * terms['att_channel'] +
                            a_s * terms['att_spatial'])
        else:
            raw_t = difference_map(*temporal_t, 'pseudocode', self.group_size, raw=True)
            terms['feat'] = 0.5 * region_feature_loss(feat_s, feat_t, raw_t)
            terms['att'] = (0.3 * (terms['att_spatial'] + terms['att_channel']) +
                            0.2 * terms['att_diff'])
        terms['distill'] = w_feat * terms['feat'] + w_out * terms['out']
        terms['attention'] = (
            w_att * terms['att'] if with_attention else terms['att'].new_zeros(()))
        return terms
