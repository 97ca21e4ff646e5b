"""Which recorded outputs feed which distillation losses (mmrazor's ``ConfigurableDistiller``)."""
from typing import Dict, Mapping, Optional

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from cdkd.registry import MODELS
from .recorders import RecorderManager


@MODELS.register_module()
class ConfigurableDistiller(BaseModule):
    """The distiller of an mmrazor-style algorithm: recorders, connectors and losses, and the
    ``loss_forward_mappings`` that say which recorded output goes to which loss argument.

    Example (CWD on the logits, a FitNets-style feature loss on the deepest fused level)::

        distiller=dict(
            type='ConfigurableDistiller',
            student_recorders=dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
                                   fused=dict(type='ModuleOutputs', source='neck')),
            teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
                                   fused=dict(type='ModuleOutputs', source='neck')),
            connectors=dict(fused_s=dict(type='ConvModuleConnector', in_channel=320,
                                         out_channel=2048, norm_cfg=dict(type='BN'),
                                         act_cfg=None)),
            distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1, loss_weight=3),
                                loss_fused=dict(type='FeatureDistillLoss')),
            loss_forward_mappings=dict(
                loss_cwd=dict(preds_S=dict(from_student=True, recorder='logits'),
                              preds_T=dict(from_student=False, recorder='logits')),
                loss_fused=dict(student=dict(from_student=True, recorder='fused', data_idx=3,
                                             connector='fused_s'),
                                teacher=dict(from_student=False, recorder='fused', data_idx=3))))

    Each mapping entry is ``dict(from_student, recorder, data_idx=None, connector=None)``. Before a
    loss is called, every teacher-side tensor whose spatial size differs from the loss's first
    student-side tensor is resized to it (bilinear), so teachers and students of different output
    strides meet at the student's stride. Losses are returned as ``distill.<loss name>``.

    Args:
        student_recorders, teacher_recorders: ``name -> recorder config`` (type ``ModuleOutputs``).
        distill_losses: ``name -> loss config``; names must contain ``loss``.
        connectors: ``name -> connector config`` (learnable: trained with the student).
        loss_forward_mappings: ``loss name -> {argument: mapping entry}``.
    """

    def __init__(self,
                 student_recorders: Optional[Dict[str, dict]] = None,
                 teacher_recorders: Optional[Dict[str, dict]] = None,
                 distill_losses: Optional[Dict[str, dict]] = None,
                 connectors: Optional[Dict[str, dict]] = None,
                 loss_forward_mappings: Optional[Dict[str, dict]] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.student_recorders = RecorderManager(student_recorders)
        self._teacher_recorder_cfgs = dict(teacher_recorders or {})
        self.distill_losses = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in (distill_losses or {}).items()})
        self.connectors = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in (connectors or {}).items()})
        self.loss_forward_mappings = dict(loss_forward_mappings or {})
        self._check_mappings()

    def _check_mappings(self) -> None:
        teacher_names = set(self._teacher_recorder_cfgs)
        if set(self.loss_forward_mappings) != set(self.distill_losses):
            raise KeyError(f'distill_losses {sorted(self.distill_losses)} and '
                           f'loss_forward_mappings {sorted(self.loss_forward_mappings)} must name '
                           'the same losses')
        for loss_name, mapping in self.loss_forward_mappings.items():
            if 'loss' not in loss_name:
                raise KeyError(f'loss name {loss_name!r} must contain "loss" to be optimised')
            if not any(entry.get('from_student') for entry in mapping.values()):
                raise ValueError(f'{loss_name}: no argument comes from the student')
            for arg, entry in mapping.items():
                unknown = set(entry) - {'from_student', 'recorder', 'data_idx', 'connector'}
                if unknown or 'from_student' not in entry or 'recorder' not in entry:
                    raise KeyError(f'{loss_name}.{arg}: a mapping is dict(from_student=..., '
                                   f'recorder=..., data_idx=None, connector=None), got {entry}')
                names = self.student_recorders.recorders if entry['from_student'] \
                    else teacher_names
                if entry['recorder'] not in names:
                    side = 'student' if entry['from_student'] else 'teacher'
                    raise KeyError(f'{loss_name}.{arg}: no {side} recorder '
                                   f'{entry["recorder"]!r}; {side} recorders: {sorted(names)}')
                if entry.get('connector') and entry['connector'] not in self.connectors:
                    raise KeyError(f'{loss_name}.{arg}: no connector {entry["connector"]!r}; '
                                   f'connectors: {sorted(self.connectors)}')

    def prepare_from_student(self, student: nn.Module) -> None:
        self.student_recorders.register(student)

    def teacher_recorders_for(self, teacher: nn.Module) -> RecorderManager:
        """A recorder manager registered on ``teacher`` (one per teacher)."""
        return RecorderManager(self._teacher_recorder_cfgs).register(teacher)

    @property
    def teacher_recorder_names(self):
        return tuple(self._teacher_recorder_cfgs)

    def _fetch(self, entry: Mapping, teacher_records: Mapping):
        if entry['from_student']:
            out = self.student_recorders.get(entry['recorder'], entry.get('data_idx'))
        else:
            out = teacher_records[entry['recorder']]
            if entry.get('data_idx') is not None:
                out = out[entry['data_idx']]
        if entry.get('connector'):
            out = self.connectors[entry['connector']](out)
        return out

    def compute_distill_losses(self, teacher_records: Mapping[str, object]) -> Dict[str, Tensor]:
        """Losses from the student recorders' last outputs and ``teacher_records`` (name -> the
        teacher's recorded output, already combined over teachers)."""
        losses = {}
        for loss_name, mapping in self.loss_forward_mappings.items():
            kwargs = {arg: self._fetch(entry, teacher_records)
                      for arg, entry in mapping.items()}
            student_args = [a for a, e in mapping.items() if e['from_student']]
            size = kwargs[student_args[0]].shape[-2:]
            for arg, entry in mapping.items():
                x = kwargs[arg]
                if not entry['from_student'] and x.dim() == 4 and x.shape[-2:] != size:
                    kwargs[arg] = F.interpolate(x, size=size, mode='bilinear',
                                                align_corners=False)
            losses[f'distill.{loss_name}'] = self.distill_losses[loss_name](**kwargs)
        return losses
