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

TEACHER_HEAD_INITS = ('copy', 'independent')


@MODELS.register_module()
class GOLDChangeDetector(SiameseEncoderDecoder):
    """Two branches, one deployable student (HeteroCD-GOLD ``TripleEUNet``).

    Per branch: each date is encoded and fused over levels by a single-date neck to one stride-4
    map; the cross-modal attention (:class:`BidirectionalChannelAttention`, one module shared by
    both branches) enhances the two dates; they are concatenated; the branch's difference-map
    fusion (:class:`DifferenceMapFusion`) and its head predict the change.

    * student: ``backbone`` (optical t1) + ``neck``, ``backbone_t2`` (SAR t2) + ``neck_t2``;
    * teacher: the same optical t1 map, **detached** (``teacher_detach_t1``), and the optical t2
      image through ``teacher_backbone_t2`` or, when that is None (official HEAD), through the
      optical ``backbone`` itself; both optical dates use ``neck``. Own fusion and head
      (``teacher_decode_head``, default ``decode_head``), initialised as a copy of the student
      head (``teacher_head_init='copy'``, official).

    Training inputs are ``[A, B, C]`` stacked along channels (``temporal_bands`` +
    ``teacher_bands``); both heads are supervised by the change label, the student is distilled online from the
    teacher (:class:`GOLDDistillLoss`) and the tasks are weighted by
    :class:`UncertaintyTaskWeighting`. The teacher's change loss and the distillation are ramped
    in by ``0.5 (1 - cos(pi e / e_w))`` over ``distill_warmup_epochs`` (official: 20). Prediction
    uses the student only and accepts ``[A, B]`` (``C`` is ignored), so everything inherited from
    mmseg's ``EncoderDecoder`` (whole/slide inference, post-processing) is the student.

    Args:
        neck, neck_t2: single-date necks of the optical and the SAR encoder (e.g.
            :class:`MultiLevelConcatNeck`); ``neck_t2=None`` builds a second ``neck``.
        cross_attention: the cross-modal attention between the two dates; None: none.
        attention: the branch fusion of the concatenated dates (one per branch); None: none.
        saliency: optional learned CBAM maps on the fused features (pseudocode; one per branch,
            e.g. ``dict(type='DifferenceAttention', in_channels=256, mode='gate')``): their maps
            feed ``distill_loss`` with ``attention_maps='learned'``.
        with_teacher: False trains the student branch alone on its change loss (a baseline; no
            teacher modules are built, ``task_weighting.tasks`` must be ``('cd',)``).
        with_distillation: False keeps both branches and their change losses but no
            distillation or attention transfer (a baseline; tasks ``('cd',)``).
        teacher_cd_weight: weight of the teacher's change loss next to the student's (1.0).
        group_weighting: learned weights inside the tasks, as the official code has them: a dict
            with any of ``cd`` (tasks ``('student', 'teacher')``, official initial weights 1.0 /
            0.4), ``distill`` (``('feat', 'out')``, 0.7 / 0.3) and ``attention``
            (``('diff', 'channel', 'spatial')``, 0.5 / 0.3 / 0.2), each an
            :class:`UncertaintyTaskWeighting` config. A group given here replaces the fixed
            ``teacher_cd_weight`` or the distillation loss's ``weights[:2]`` / ``att_weights``.
        teacher_detach_t1: the teacher sees the optical t1 map detached (official).
        distill_warmup_epochs: ramp length in epochs; 0 turns it off.
        iters_per_epoch: converts iterations into epochs for iteration-based loops; None reads the
            epoch of an epoch-based loop (as the official code, whole epochs).
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: dict,
                 backbone_t2: dict,
                 neck_t2: Optional[dict] = None,
                 teacher_backbone_t2: Optional[dict] = None,
                 cross_attention: Optional[dict] = None,
                 attention: Optional[dict] = None,
                 saliency: Optional[dict] = None,
                 temporal_bands: Sequence[int] = (3, 1),
                 teacher_bands: int = 3,
                 teacher_decode_head: Optional[dict] = None,
                 teacher_head_init: str = 'copy',
                 distill_loss: dict = dict(type='GOLDDistillLoss'),
                 task_weighting: dict = dict(type='UncertaintyTaskWeighting'),
                 with_attention_transfer: bool = True,
                 with_teacher: bool = True,
                 with_distillation: bool = True,
                 teacher_cd_weight: float = 0.4,
                 group_weighting: Optional[Dict[str, dict]] = None,
                 teacher_detach_t1: bool = True,
                 distill_warmup_epochs: float = 20,
                 iters_per_epoch: Optional[int] = None,
                 **kwargs):
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            temporal_bands=temporal_bands,
            backbone_t2=backbone_t2,
            **kwargs)
        if teacher_head_init not in TEACHER_HEAD_INITS:
            raise ValueError(f'unknown teacher_head_init {teacher_head_init!r}; choose one of '
                             f'{TEACHER_HEAD_INITS}')
        self.teacher_bands = int(teacher_bands)
        self.with_teacher = with_teacher
        self.with_distillation = with_distillation and with_teacher
        self.with_attention_transfer = with_attention_transfer and self.with_distillation
        self.neck_t2 = MODELS.build(copy.deepcopy(neck_t2 or neck))
        self.cross_attention = MODELS.build(cross_attention) if cross_attention else None
        self.student_attention = MODELS.build(copy.deepcopy(attention)) if attention else None
        self.student_saliency = MODELS.build(copy.deepcopy(saliency)) if saliency else None
        self.teacher_head_init = teacher_head_init
        if with_teacher:
            self.teacher_backbone_t2 = (MODELS.build(teacher_backbone_t2)
                                        if teacher_backbone_t2 is not None else None)
            self.teacher_attention = MODELS.build(copy.deepcopy(attention)) if attention else None
            self.teacher_saliency = MODELS.build(copy.deepcopy(saliency)) if saliency else None
            self.teacher_decode_head = MODELS.build(
                copy.deepcopy(teacher_decode_head or decode_head))
            self._copy_teacher_head()
        self.distill_loss = MODELS.build(distill_loss) if self.with_distillation else None
        self.task_weighting = MODELS.build(task_weighting)
        self.teacher_cd_weight = float(teacher_cd_weight)
        self.teacher_detach_t1 = teacher_detach_t1
        self.distill_warmup_epochs = float(distill_warmup_epochs)
        self.iters_per_epoch = None if iters_per_epoch is None else int(iters_per_epoch)
        learned = getattr(self.distill_loss, 'attention_maps', None) == 'learned'
        if self.with_distillation and learned != (saliency is not None):
            raise ValueError("distill_loss.attention_maps='learned' and a saliency module go "
                             'together: give both or neither')
        tasks = ('cd', )
        if self.with_distillation:
            tasks += ('distill', ) + (('attention', ) if self.with_attention_transfer else ())
        if tuple(self.task_weighting.tasks) != tasks:
            raise ValueError(f'task_weighting.tasks must be {tasks} (with_teacher={with_teacher}, '
                             f'with_distillation={with_distillation}, with_attention_transfer='
                             f'{with_attention_transfer}), got {tuple(self.task_weighting.tasks)}')
        self.group_weighting = self._build_groups(group_weighting or {})

    GROUP_TASKS = dict(cd=('student', 'teacher'), distill=('feat', 'out'),
                       attention=('diff', 'channel', 'spatial'))

    def _build_groups(self, cfgs: Dict[str, dict]) -> torch.nn.ModuleDict:
        allowed = {'cd'} if not self.with_distillation else set(self.GROUP_TASKS)
        if not self.with_teacher:
            allowed = set()
        if not self.with_attention_transfer:
            allowed.discard('attention')
        unknown = set(cfgs) - allowed
        if unknown:
            raise ValueError(f'group_weighting for {sorted(unknown)}: this model has groups '
                             f'{sorted(allowed)} (with_teacher={self.with_teacher}, '
                             f'with_distillation={self.with_distillation})')
        groups = torch.nn.ModuleDict()
        for name, cfg in cfgs.items():
            groups[name] = MODELS.build(cfg)
            if tuple(groups[name].tasks) != self.GROUP_TASKS[name]:
                raise ValueError(f'group_weighting.{name}.tasks must be '
                                 f'{self.GROUP_TASKS[name]}, got {tuple(groups[name].tasks)}')
        return groups

    def _group(self, name: str, epoch: float, default):
        if name in self.group_weighting:
            return self.group_weighting[name].weights(epoch)
        return default

    def _copy_teacher_head(self):
        if self.with_teacher and self.teacher_head_init == 'copy':
            self.teacher_decode_head.load_state_dict(self.decode_head.state_dict())

    def init_weights(self):
        super().init_weights()
        self._copy_teacher_head()

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

    def fuse_branch(self, date1: Tensor, date2: Tensor, attention,
                    saliency) -> Tuple[Tensor, Optional[Dict[str, Tensor]]]:
        """Cross-modal attention, concatenation, the branch's fusion (and learned maps)."""
        if self.cross_attention is not None:
            date1, date2 = self.cross_attention(date1, date2)
        x = torch.cat([date1, date2], dim=1)
        maps = None
        if attention is not None:
            x, _ = attention(x)
        if saliency is not None:
            x, maps = saliency(x)
        return x, maps

    def student_dates(self, img_a: Tensor, img_b: Tensor) -> Tuple[Tensor, Tensor]:
        return self.neck(self.backbone(img_a)), self.neck_t2(self.backbone_t2(img_b))

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Student features from A and B only."""
        img_a, img_b = self.split_temporal(inputs)[:2]
        date1, date2 = self.student_dates(img_a, img_b)
        return [self.fuse_branch(date1, date2, self.student_attention, self.student_saliency)[0]]

    def current_epoch(self) -> float:
        """Training progress in epochs: iterations / ``iters_per_epoch``, or the loop's epoch."""
        hub = MessageHub.get_current_instance()
        if self.iters_per_epoch is None:
            return float(hub.get_info('epoch', 0))
        return hub.get_info('iter', 0) / self.iters_per_epoch

    def _upsampled(self, logits: Tensor, size) -> Tensor:
        return resize(logits, size=size, mode='bilinear', align_corners=self.align_corners)

    def teacher_forward(self, inputs: Tensor) -> Tensor:
        """Teacher logits (stride 4) from ``[A, B, C]``, for evaluating the teacher itself."""
        if not self.with_teacher:
            raise ValueError('this GOLD model has no teacher (with_teacher=False)')
        parts = self.split_temporal(inputs)
        if len(parts) != 3:
            raise ValueError('the teacher needs [A, B, C] inputs (the optical t2 image C)')
        img_a, _, img_c = parts
        return self._teacher_logits(self.neck(self.backbone(img_a)), img_c)[0]

    def _teacher_logits(self, date1: Tensor, img_c: Tensor):
        encoder = self.backbone if self.teacher_backbone_t2 is None else self.teacher_backbone_t2
        date3 = self.neck(encoder(img_c))
        date1_t = date1.detach() if self.teacher_detach_t1 else date1
        x_t, maps_t = self.fuse_branch(date1_t, date3, self.teacher_attention,
                                       self.teacher_saliency)
        return self.teacher_decode_head.forward([x_t]), x_t, maps_t, date3

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        parts = self.split_temporal(inputs)
        if not self.with_teacher:
            date1, date2 = self.student_dates(*parts[:2])
            x_s = self.fuse_branch(date1, date2, self.student_attention, self.student_saliency)[0]
            cd_s = self.decode_head.loss_by_feat(self.decode_head.forward([x_s]), data_samples)
            losses = self.task_weighting(
                dict(cd=sum(v for k, v in cd_s.items() if 'loss' in k)), self.current_epoch())
            losses.update({f'student_{k.replace("loss_", "")}': v.detach()
                           for k, v in cd_s.items()})
            return losses
        if len(parts) != 3:
            raise ValueError('GOLD training needs the optical t2 image C for the teacher: load '
                             '[A, B, C] (with_optical_t2=True in the train dataset)')
        img_a, img_b, img_c = parts
        date1, date2 = self.student_dates(img_a, img_b)
        x_s, maps_s = self.fuse_branch(date1, date2, self.student_attention,
                                       self.student_saliency)
        logits_s = self.decode_head.forward([x_s])
        logits_t, x_t, maps_t, date3 = self._teacher_logits(date1, img_c)
        cd_s = self.decode_head.loss_by_feat(logits_s, data_samples)
        cd_t = self.teacher_decode_head.loss_by_feat(logits_t, data_samples)

        epoch = self.current_epoch()
        ramp = cosine_warmup(epoch, self.distill_warmup_epochs)
        w_cd = self._group('cd', epoch, (1.0, self.teacher_cd_weight))
        cd = w_cd[0] * sum(v for k, v in cd_s.items() if 'loss' in k) + \
            ramp * w_cd[1] * sum(v for k, v in cd_t.items() if 'loss' in k)
        logged = {f'{prefix}_{k.replace("loss_", "")}': v.detach()
                  for prefix, branch in (('student', cd_s), ('teacher', cd_t))
                  for k, v in branch.items()}
        logged['kd_ramp'] = torch.tensor(ramp)
        for name, group in self.group_weighting.items():
            for task, w in zip(group.tasks, group.weights(epoch)):
                logged[f'weight_{name}_{task}'] = w.detach()
        if not self.with_distillation:
            losses = self.task_weighting(dict(cd=cd), epoch)
            losses.update(logged)
            return losses

        gt = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])
        terms = self.distill_loss(
            x_s, x_t,
            self._upsampled(logits_s, gt.shape[-2:]),
            self._upsampled(logits_t, gt.shape[-2:]),
            gt, (date1, date2), (date1, date3),
            maps_s, maps_t,
            epoch=int(epoch),
            with_attention=self.with_attention_transfer)

        distill = terms['distill']
        if 'distill' in self.group_weighting:
            w = self._group('distill', epoch, None)
            distill = w[0] * terms['feat'] + w[1] * terms['out']
        tasks = dict(cd=cd, distill=ramp * distill)
        if self.with_attention_transfer:
            tasks['attention'] = terms['attention']
            if 'attention' in self.group_weighting:
                w = self._group('attention', epoch, None)
                tasks['attention'] = (w[0] * terms['att_diff'] + w[1] * terms['att_channel'] +
                                      w[2] * terms['att_spatial'])
        losses = self.task_weighting(tasks, epoch)
        # Logged only: keys without 'loss' are not summed by mmengine.
        losses.update(logged)
        for k in ('feat', 'out', 'att', 'att_diff', 'att_channel', 'att_spatial'):
            losses[f'kd_{k}'] = terms[k].detach()
        return losses
