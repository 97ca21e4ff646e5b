"""Compression distillation: frozen, trained teacher change detector(s) -> a small student."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import load_checkpoint
from mmseg.utils import add_prefix
from torch import Tensor, nn

from cdkd.registry import MODELS, TASK_UTILS
from .utils import forward_logits, supervised_losses, strip_prefix


def model_config(spec: dict, what: str) -> dict:
    """The model config of ``dict(cfg_path=<config file>)`` (mmrazor's form; the file's ``model``)
    or of a model config itself."""
    if 'cfg_path' not in spec:
        return dict(spec)
    if set(spec) != {'cfg_path'}:
        raise KeyError(f'{what}: give cfg_path alone or a model config, got keys {sorted(spec)}')
    if not osp.isfile(spec['cfg_path']):
        raise FileNotFoundError(f'{what} config {spec["cfg_path"]!r} not found')
    return Config.fromfile(spec['cfg_path']).model


def build_teacher(spec: dict) -> nn.Module:
    """A change detector from ``dict(cfg_path=<config file>, checkpoint=<file or None>)`` (or
    ``dict(model=<model config>, checkpoint=...)``), frozen (no gradient) and in eval mode."""
    spec = dict(spec)
    if 'checkpoint' not in spec or not ({'cfg_path'} == set(spec) - {'checkpoint'}
                                        or {'model'} == set(spec) - {'checkpoint'}):
        raise KeyError(f'a teacher is dict(cfg_path=<config file>, checkpoint=<file or None>) or '
                       f'dict(model=<model config>, checkpoint=...), got keys {sorted(spec)}')
    checkpoint = spec.pop('checkpoint')
    teacher = MODELS.build(model_config(spec, 'teacher') if 'cfg_path' in spec else spec['model'])
    if checkpoint is None:
        print_log('teacher built without a checkpoint: it distils its random initialisation',
                  logger='current', level=30)
    else:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'teacher checkpoint {checkpoint!r} not found')
        load_checkpoint(teacher, checkpoint, map_location='cpu', strict=True,
                        revise_keys=[(r'^module\.', '')])
    return teacher.requires_grad_(False).eval()


@MODELS.register_module()
class TeacherStudentDistiller(BaseModel):
    """Distils one or several frozen, trained change detectors (the teachers) into a student
    change detector: mmrazor's ``SingleTeacherDistill`` split, for change detection.

    The algorithm (this class) decides how teacher and student are formed: teachers are built from
    their own config and checkpoint, frozen (no gradient) and kept in eval mode (BN statistics and
    dropout untouched, also after ``train()``); the student is any cdkd change detector. The
    ``distiller`` (``ConfigurableDistiller``) decides which recorded outputs feed which losses.
    One training step returns

    - ``student.*``: the student's own supervised losses x ``student_sup_weight``,
    - ``distill.<loss name>``: the distiller's losses on the recorded outputs.

    Teachers and student may differ in backbone, width, output stride and head type (use a
    ``ChangeLogitConnector`` to meet a 2-class teacher with a single-logit student); the student's
    normalised inputs are re-normalised with each teacher's own mean/std. With several teachers,
    each teacher runs on the samples it has weight for and the recorded outputs are combined per
    sample with the weights of ``teacher_weighting`` (e.g. ``ChangeAreaTeacherAssigner``, MTKD's
    choice by change area), or averaged when it is None. Val/test/predict/export use the student,
    so ``tools/test.py`` and ``tools/export_onnx.py`` work unchanged;
    ``tools/model_converters/distiller_to_detector.py`` writes a plain student checkpoint.

    Args:
        architecture: the student change detector: its model config, or ``dict(cfg_path=<config
            file>)`` (mmrazor's names).
        teacher: ``dict(cfg_path=<config file>, checkpoint=<file or None>)`` (or ``model=<model
            config>`` instead of ``cfg_path``), or a list of them.
        distiller: ``ConfigurableDistiller`` config.
        teacher_weighting: per-sample teacher weights (a ``TASK_UTILS`` config), several teachers
            only.
        student_sup_weight: weight of the student's supervised losses (0 skips them).
        data_preprocessor: used by the student when its config has none.
    """

    def __init__(self,
                 architecture: dict,
                 teacher: Union[dict, Sequence[dict]],
                 distiller: dict,
                 teacher_weighting: Optional[dict] = None,
                 student_sup_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        architecture = model_config(architecture, 'student (architecture)')
        if data_preprocessor is not None:
            architecture.setdefault('data_preprocessor', data_preprocessor)
        self.architecture = MODELS.build(architecture)
        self.data_preprocessor = self.architecture.data_preprocessor
        specs = [teacher] if isinstance(teacher, dict) else list(teacher)
        if not specs:
            raise ValueError('TeacherStudentDistiller needs at least one teacher')
        self.teachers = nn.ModuleList([build_teacher(dict(s)) for s in specs])
        for i, t in enumerate(self.teachers):
            self._check_teacher(i, t)
        self.teacher_weighting = TASK_UTILS.build(teacher_weighting) if teacher_weighting else None
        if self.teacher_weighting is not None and getattr(
                self.teacher_weighting, 'num_teachers', len(specs)) != len(specs):
            raise ValueError(f'teacher_weighting assigns {self.teacher_weighting.num_teachers} '
                             f'teachers, {len(specs)} are configured')
        self.distiller = MODELS.build(distiller)
        self.distiller.prepare_from_student(self.architecture)
        self.teacher_recorders = [self.distiller.teacher_recorders_for(t) for t in self.teachers]
        self.student_sup_weight = student_sup_weight

    @property
    def student(self) -> nn.Module:
        return self.architecture

    def _check_teacher(self, i: int, teacher: nn.Module) -> None:
        bands = getattr(self.architecture, 'temporal_bands', None)
        if getattr(teacher, 'temporal_bands', bands) != bands:
            raise ValueError(f'teacher {i} takes temporal_bands={teacher.temporal_bands}, the '
                             f'student {bands}')
        s_pp, t_pp = self.architecture.data_preprocessor, teacher.data_preprocessor
        s_div, t_div = getattr(s_pp, 'size_divisor', None), getattr(t_pp, 'size_divisor', None)
        if s_div and t_div and s_div % t_div:
            raise ValueError(f'the student pads inputs to multiples of {s_div}, teacher {i} needs '
                             f'multiples of {t_div}: set the student size_divisor to a multiple')
        # x_teacher = x_student * scale + shift maps the student's normalisation to the teacher's.
        ones = torch.ones(1, sum(bands) if bands else 1, 1, 1)
        s_mean, s_std = _stats(s_pp, ones)
        t_mean, t_std = _stats(t_pp, ones)
        self.register_buffer(f'_teacher{i}_scale', s_std / t_std, persistent=False)
        self.register_buffer(f'_teacher{i}_shift', (s_mean - t_mean) / t_std, persistent=False)

    def teacher_inputs(self, i: int, inputs: Tensor) -> Tensor:
        """The student's normalised inputs in teacher ``i``'s normalisation."""
        scale, shift = getattr(self, f'_teacher{i}_scale'), getattr(self, f'_teacher{i}_shift')
        if torch.all(scale == 1) and torch.all(shift == 0):
            return inputs
        return inputs * scale + shift

    def init_weights(self):
        # The teachers keep their checkpoint weights: only the student and connectors are inited.
        self.architecture.init_weights()
        self.distiller.init_weights()

    def train(self, mode: bool = True):
        super().train(mode)
        self.teachers.eval()
        return self

    def teacher_weights(self, data_samples) -> Tensor:
        """``(N, num_teachers)`` weights of each teacher for each sample."""
        n, k = len(data_samples), len(self.teachers)
        if self.teacher_weighting is None:
            return torch.full((n, k), 1.0 / k)
        weights = self.teacher_weighting(data_samples)
        if weights.shape != (n, k):
            raise ValueError(f'teacher_weighting returned {tuple(weights.shape)}, expected '
                             f'{(n, k)}')
        if not torch.all(weights.sum(dim=1) > 0):
            raise ValueError('teacher_weighting gave a sample no teacher (all weights zero)')
        return weights

    @torch.no_grad()
    def teacher_records(self, inputs: Tensor, data_samples) -> Dict[str, object]:
        """Each teacher recorder's output, combined over the teachers per sample."""
        weights = self.teacher_weights(data_samples).to(inputs.device)
        combined = {}
        for i, (teacher, recorders) in enumerate(zip(self.teachers, self.teacher_recorders)):
            idx = torch.nonzero(weights[:, i] > 0).flatten()
            if not len(idx):
                continue
            every = len(idx) == len(inputs)
            forward_logits(teacher, self.teacher_inputs(i, inputs if every else inputs[idx]),
                           recorders)
            for name, out in recorders.outputs().items():
                combined[name] = _accumulate(combined.get(name), out, weights[idx, i], idx,
                                             len(inputs), name)
        return combined

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        feats, logits = forward_logits(self.architecture, inputs, self.distiller.student_recorders)
        losses = {}
        if self.student_sup_weight:
            losses.update(add_prefix(supervised_losses(
                self.architecture, feats, logits, data_samples, self.student_sup_weight),
                'student'))
        losses.update(self.distiller.compute_distill_losses(
            self.teacher_records(inputs, data_samples)))
        return losses

    def predict(self, inputs: Tensor, data_samples=None):
        return self.architecture.predict(inputs, data_samples)

    def export_module(self) -> nn.Module:
        """The network that predicts at test time: the student."""
        return self.architecture

    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.architecture._forward(inputs, data_samples)
        raise RuntimeError(f'invalid mode {mode!r}; use loss, predict or tensor')

    @staticmethod
    def student_state_dict(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The plain student weights (``architecture.*`` keys, prefix removed)."""
        return strip_prefix(state_dict, 'architecture', 'TeacherStudentDistiller')


def _stats(preprocessor, ones: Tensor):
    if getattr(preprocessor, '_enable_normalize', False):
        return (preprocessor.mean.reshape(1, -1, 1, 1).float(),
                preprocessor.std.reshape(1, -1, 1, 1).float())
    return ones * 0, ones


def _accumulate(total, out, weight: Tensor, idx: Tensor, n: int, name: str):
    """``total[idx] += weight * out`` (tensors or sequences of tensors), allocating ``total``."""
    if isinstance(out, (list, tuple)):
        total = total if total is not None else [None] * len(out)
        return [_accumulate(t, o, weight, idx, n, f'{name}[{j}]')
                for j, (t, o) in enumerate(zip(total, out))]
    if total is None:
        total = out.new_zeros((n, *out.shape[1:]))
    elif total.shape[1:] != out.shape[1:]:
        raise ValueError(f'teacher recorder {name!r}: teachers record {tuple(total.shape[1:])} '
                         f'and {tuple(out.shape[1:])}; multi-teacher outputs must agree in shape')
    total[idx] += weight.view(-1, *[1] * (out.dim() - 1)) * out
    return total
