"""GOLD: guided online distillation from an optical/optical teacher to an optical/SAR student."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import MessageHub
from mmseg.models.utils import resize
from torch import Tensor

from cdkd.models.losses import cosine_warmup
from cdkd.registry import MODELS
from .siamese_encoder_decoder import SiameseEncoderDecoder


@MODELS.register_module()
class GOLDChangeDetector(SiameseEncoderDecoder):
    """Three encoders, two branches, one deployable student.

    * ``backbone``: optical t1 encoder, shared by both branches;
    * student: ``backbone_t2`` (SAR t2, any band count) + ``neck`` + attention + ``decode_head``;
    * teacher: ``teacher_backbone_t2`` (optical t2) + the same neck + its own attention +
      ``teacher_decode_head`` (a copy of ``decode_head`` by default).

    Training inputs are ``[A, B, C]`` stacked along channels (``temporal_bands`` + ``teacher_bands``);
    both branches are supervised by the change label and the student is distilled online from the
    teacher (:class:`GOLDDistillLoss`), the tasks weighted by :class:`UncertaintyTaskWeighting`.
    Prediction uses the student only and accepts ``[A, B]`` (``C``, if present, is ignored), so
    everything inherited from mmseg's ``EncoderDecoder`` (whole/slide inference, post-processing)
    is the student branch.

    Args:
        teacher_backbone_t2: optical t2 encoder of the teacher.
        teacher_bands: band count of the optical t2 image.
        attention: :class:`DifferenceAttention` kwargs (``in_channels`` of ``distill_level``);
            ``None`` builds no attention modules (needs ``with_attention_transfer=False``).
        distill_level: fused level that is refined by attention and distilled (default deepest).
        distill_loss, task_weighting: configs of the loss and the weighting.
        teacher_cd_weight: weight of the teacher's change loss next to the student's (1) inside
            the change task (official code: 0.4).
        teacher_detach_t1: the teacher branch uses the shared t1 features detached, so only the
            student's losses train the shared optical t1 encoder (official code: the teacher
            "should not affect the optical t1 encoding").
        distill_warmup_epochs: ramp the teacher's change loss and the distillation task in by
            ``0.5 (1 - cos(pi e / e_w))`` over these epochs (official code); 0 turns it off.
        with_attention_transfer: add the attention-transfer task (L_att).
        iters_per_epoch: converts iterations into GOLD's epoch-based schedules.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: dict,
                 backbone_t2: dict,
                 teacher_backbone_t2: dict,
                 attention: Optional[dict],
                 temporal_bands: Sequence[int] = (3, 1),
                 teacher_bands: int = 3,
                 teacher_decode_head: Optional[dict] = None,
                 distill_level: int = -1,
                 distill_loss: dict = dict(type='GOLDDistillLoss'),
                 task_weighting: dict = dict(type='UncertaintyTaskWeighting'),
                 with_attention_transfer: bool = True,
                 teacher_cd_weight: float = 0.4,
                 teacher_detach_t1: bool = True,
                 distill_warmup_epochs: float = 0,
                 iters_per_epoch: int = 100,
                 **kwargs):
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            temporal_bands=temporal_bands,
            backbone_t2=backbone_t2,
            **kwargs)
        if neck.get('out_indices') is not None:
            raise ValueError(
                'GOLD distills neck levels by backbone index: leave neck.out_indices unset')
        self.teacher_bands = int(teacher_bands)
        self.teacher_backbone_t2 = MODELS.build(teacher_backbone_t2)
        self.teacher_decode_head = MODELS.build(copy.deepcopy(teacher_decode_head or decode_head))
        if attention is None and with_attention_transfer:
            raise ValueError('attention=None leaves no attention maps to transfer: set '
                             'with_attention_transfer=False')
        self.student_attention, self.teacher_attention = (
            (None, None) if attention is None else
            (MODELS.build(dict(type='DifferenceAttention', **attention)),
             MODELS.build(dict(type='DifferenceAttention', **attention))))
        self.distill_level = distill_level
        self.distill_loss = MODELS.build(distill_loss)
        self.task_weighting = MODELS.build(task_weighting)
        self.with_attention_transfer = with_attention_transfer
        self.teacher_cd_weight = float(teacher_cd_weight)
        self.teacher_detach_t1 = teacher_detach_t1
        self.distill_warmup_epochs = float(distill_warmup_epochs)
        self.iters_per_epoch = int(iters_per_epoch)
        tasks = ('cd', 'distill') + (('attention', ) if with_attention_transfer else ())
        if tuple(self.task_weighting.tasks) != tasks:
            raise ValueError(f'task_weighting.tasks must be {tasks} '
                             f'(with_attention_transfer={with_attention_transfer}), '
                             f'got {tuple(self.task_weighting.tasks)}')

    def split_temporal(self, inputs: Tensor) -> List[Tensor]:
        """``[A, B]`` or ``[A, B, C]`` by the channel count."""
        pair = sum(self.temporal_bands)
        if inputs.shape[1] == pair:
            return list(torch.split(inputs, self.temporal_bands, dim=1))
        if inputs.shape[1] == pair + self.teacher_bands:
            return list(torch.split(inputs, self.temporal_bands + (self.teacher_bands, ), dim=1))
        raise ValueError(
            f'inputs have {inputs.shape[1]} channels; GOLD expects {pair} (A + B, '
            f'temporal_bands={self.temporal_bands}) or {pair + self.teacher_bands} (A + B + C, '
            f'teacher_bands={self.teacher_bands}); check the dataset and the model config')

    def fuse_branch(self, feats1, feats2,
                    attention) -> Tuple[List[Tensor], Optional[Dict[str, Tensor]]]:
        """Fuse the levels and refine the distilled level with the branch's attention."""
        fused = list(self.neck(feats1, feats2))
        if attention is None:
            return fused, None
        fused[self.distill_level], maps = attention(fused[self.distill_level])
        return fused, maps

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Student features from A and B only."""
        img_a, img_b = self.split_temporal(inputs)[:2]
        return self.fuse_branch(
            self.backbone(img_a), self.backbone_t2(img_b), self.student_attention)[0]

    def current_epoch(self) -> float:
        """Training progress in (fractional) epochs of ``iters_per_epoch`` iterations."""
        return MessageHub.get_current_instance().get_info('iter', 0) / self.iters_per_epoch

    def _upsampled(self, logits: Tensor, size) -> Tensor:
        return resize(logits, size=size, mode='bilinear', align_corners=self.align_corners)

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        parts = self.split_temporal(inputs)
        if len(parts) != 3:
            raise ValueError('GOLD training needs the optical t2 image C for the teacher: load '
                             '[A, B, C] (with_optical_t2=True in the train dataset)')
        img_a, img_b, img_c = parts
        feats_a = self.backbone(img_a)
        feats_b = self.backbone_t2(img_b)
        feats_c = self.teacher_backbone_t2(img_c)
        fused_s, att_s = self.fuse_branch(feats_a, feats_b, self.student_attention)
        feats_a_t = [f.detach() for f in feats_a] if self.teacher_detach_t1 else feats_a
        fused_t, att_t = self.fuse_branch(feats_a_t, feats_c, self.teacher_attention)
        logits_s = self.decode_head.forward(fused_s)
        logits_t = self.teacher_decode_head.forward(fused_t)
        cd_s = self.decode_head.loss_by_feat(logits_s, data_samples)
        cd_t = self.teacher_decode_head.loss_by_feat(logits_t, data_samples)

        gt = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])
        level = self.distill_level
        epoch = self.current_epoch()
        terms = self.distill_loss(
            fused_s[level],
            fused_t[level],
            self._upsampled(logits_s, gt.shape[-2:]),
            self._upsampled(logits_t, gt.shape[-2:]),
            gt, (feats_a[level], feats_b[level]), (feats_a_t[level], feats_c[level]),
            att_s,
            att_t,
            epoch=int(epoch),
            with_attention=self.with_attention_transfer)

        ramp = cosine_warmup(epoch, self.distill_warmup_epochs)
        tasks = dict(
            cd=sum(v for k, v in cd_s.items() if 'loss' in k) +
            ramp * self.teacher_cd_weight * sum(v for k, v in cd_t.items() if 'loss' in k),
            distill=ramp * terms['distill'])
        if self.with_attention_transfer:
            tasks['attention'] = terms['attention']
        losses = self.task_weighting(tasks, epoch)
        # Logged only: keys without 'loss' are not summed by mmengine.
        for prefix, parts in (('student', cd_s), ('teacher', cd_t)):
            for k, v in parts.items():
                losses[f'{prefix}_{k.replace("loss_", "")}'] = v.detach()
        for k in ('feat', 'out', 'att', 'att_diff', 'att_channel', 'att_spatial'):
            losses[f'kd_{k}'] = terms[k].detach()
        return losses
