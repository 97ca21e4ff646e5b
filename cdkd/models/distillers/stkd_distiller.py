"""STKDNet: perturbation self-distillation of a change detector (teacher = original pair,
student = pair with a perturbed image B, shared weights)."""
import copy
from typing import Dict, Optional, Sequence

import torch
from mmengine.model import BaseModel
from mmseg.utils import add_prefix
from torch import Tensor, nn

from cdkd.registry import MODELS
from .recorders import RecorderManager
from .utils import forward_logits, strip_prefix, supervised_losses


@MODELS.register_module()
class STKDDistiller(BaseModel):
    """Trains any cdkd change detector with STKDNet's perturbation self-distillation.

    One training step runs the *teacher view* (the original pair, ``inputs``) and the *student
    view* (the pair with B perturbed: ``student_augment`` applied to the preprocessed batch when
    given, as STKDNet's official code does, else ``data_sample.student_inputs`` as packed by
    ``PackChangeInputs`` from a ``Student*`` pipeline transform) through the same network and
    returns

    - ``teacher.*``: the supervised losses of the original pair x ``teacher_sup_weight``,
    - ``student.*``: the supervised losses of the perturbed pair x ``student_sup_weight``,
    - ``distill.<loss_name>``: ``distill_loss(student_logits, teacher_logits)`` on the decode-head
      logits (before resizing to the label),
    - ``feat.<source>.<loss_name>``: one ``feature_losses`` entry per recorded module,

    each logged separately. Val/test/predict run the wrapped detector on the original pair only,
    so ``tools/test.py`` works unchanged; ``tools/model_converters/stkd_to_detector.py`` turns a
    checkpoint into one of the plain detector.

    Args:
        detector: config of the change detector (with its ``data_preprocessor``), e.g. a
            ``SiameseEncoderDecoder``.
        distill_loss: logit distillation loss config, or None for none (STKDNet's own:
            ``HardTargetBCEDiceLoss`` with ``loss_weight=0.1``).
        student_augment: batch-level student view (e.g. ``ColorJitterBlurStudentView``) applied
            to the normalised inputs; None: the pipeline's ``student_inputs``.
        feature_losses: ``[dict(source='neck', loss=dict(type='FeatureDistillLoss'))]``: modules
            (paths in the detector) whose outputs are distilled too.
        teacher_sup_weight, student_sup_weight: weights of the two supervised losses; a zero skips
            that loss (all of student weight, distill and feature losses zero: no student pass).
        detach_teacher: stop the gradient through the teacher's outputs (shared-weights mode).
        ema_teacher: use a separate mean teacher (updated by ``EMATeacherHook``) for the
            distillation targets instead of the online network on the original pair.
        test_with: ``'detector'`` or ``'ema_teacher'``: the network used at val/test/predict.
        data_preprocessor: used by the detector when its config has none (mmengine's Runner
            passes the config's top-level ``data_preprocessor`` here).
    """

    def __init__(self,
                 detector: dict,
                 distill_loss: Optional[dict] = dict(type='PixelKLDivLoss'),
                 feature_losses: Sequence[dict] = (),
                 student_augment: Optional[dict] = None,
                 teacher_sup_weight: float = 1.0,
                 student_sup_weight: float = 1.0,
                 detach_teacher: bool = True,
                 ema_teacher: bool = False,
                 test_with: str = 'detector',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        detector = dict(detector)
        if data_preprocessor is not None:
            detector.setdefault('data_preprocessor', data_preprocessor)
        self.detector = MODELS.build(detector)
        self.data_preprocessor = self.detector.data_preprocessor
        self.ema_teacher = copy.deepcopy(self.detector).requires_grad_(False) if ema_teacher \
            else None
        if test_with not in ('detector', 'ema_teacher') or (
                test_with == 'ema_teacher' and not ema_teacher):
            raise ValueError(f"test_with must be 'detector' or (with ema_teacher=True) "
                             f"'ema_teacher', got {test_with!r}")
        self.test_with = test_with
        self.distill_loss = MODELS.build(distill_loss) if distill_loss else None
        self.student_augment = MODELS.build(student_augment) if student_augment else None
        self.feature_sources = [f['source'] for f in feature_losses]
        self.feature_losses = nn.ModuleList([MODELS.build(f['loss']) for f in feature_losses])
        recorders = {s: dict(type='ModuleOutputs', source=s) for s in self.feature_sources}
        self.student_recorders = RecorderManager(recorders).register(self.detector)
        self.teacher_recorders = RecorderManager(recorders).register(self.teacher)
        self.teacher_sup_weight = teacher_sup_weight
        self.student_sup_weight = student_sup_weight
        self.detach_teacher = detach_teacher

    @property
    def teacher(self) -> nn.Module:
        """The network that produces distillation targets."""
        return self.ema_teacher if self.ema_teacher is not None else self.detector

    @property
    def needs_student(self) -> bool:
        return bool(self.student_sup_weight or self.distill_loss is not None
                    or len(self.feature_losses))

    def init_weights(self):
        super().init_weights()
        if self.ema_teacher is not None:  # the mean teacher starts as the initial network
            self.ema_teacher.load_state_dict(self.detector.state_dict())

    def train(self, mode: bool = True):
        super().train(mode)
        if self.ema_teacher is not None:  # the mean teacher predicts with its averaged BN stats
            self.ema_teacher.eval()
        return self

    def student_view(self, inputs: Tensor, data_samples) -> Tensor:
        """Normalised, batched student inputs: ``student_augment(inputs)``, or the packed
        ``student_inputs`` of the samples."""
        if self.student_augment is not None:
            pre = self.data_preprocessor
            return self.student_augment(inputs, self.detector.temporal_bands,
                                        getattr(pre, 'mean', None), getattr(pre, 'std', None))
        if not all('student_inputs' in s for s in data_samples):
            raise KeyError('STKDDistiller needs a student view: put a Student* perturbation '
                           '(e.g. StudentRandomChoice) before PackChangeInputs in the train '
                           'pipeline, or set student_sup_weight=0 and distill_loss=None')
        # Cloned samples: the preprocessor pads their labels in place.
        data = dict(inputs=[s.student_inputs for s in data_samples],
                    data_samples=[s.clone() for s in data_samples])
        return self.data_preprocessor(data, True)['inputs']

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        shared = self.ema_teacher is None
        feats, logits = forward_logits(self.detector, inputs,
                                       self.teacher_recorders if shared else None)
        losses = {}
        if self.teacher_sup_weight:
            losses.update(add_prefix(
                supervised_losses(self.detector, feats, logits, data_samples,
                                  self.teacher_sup_weight), 'teacher'))
        if not self.needs_student:
            return losses

        if shared:
            teacher_logits = logits.detach() if self.detach_teacher else logits
        else:
            with torch.no_grad():
                _, teacher_logits = forward_logits(self.ema_teacher, inputs,
                                                   self.teacher_recorders)
        s_feats, s_logits = forward_logits(self.detector, self.student_view(inputs, data_samples),
                                           self.student_recorders)
        if self.student_sup_weight:
            losses.update(add_prefix(
                supervised_losses(self.detector, s_feats, s_logits, data_samples,
                                  self.student_sup_weight), 'student'))
        if self.distill_loss is not None:
            losses[f'distill.{self.distill_loss.loss_name}'] = self.distill_loss(
                s_logits, teacher_logits)
        for source, loss in zip(self.feature_sources, self.feature_losses):
            target = self.teacher_recorders.get(source)
            if self.detach_teacher or not shared:
                target = _detach(target)
            losses[f'feat.{source}.{loss.loss_name}'] = loss(
                self.student_recorders.get(source), target)
        return losses

    def predict(self, inputs: Tensor, data_samples=None):
        return getattr(self, self.test_with).predict(inputs, data_samples)

    def export_module(self) -> torch.nn.Module:
        """The network that predicts at test time (export protocol of ``ChangeProbabilityNet``)."""
        return getattr(self, self.test_with)

    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return getattr(self, self.test_with)._forward(inputs, data_samples)
        raise RuntimeError(f'invalid mode {mode!r}; use loss, predict or tensor')

    @staticmethod
    def detector_state_dict(state_dict: Dict[str, Tensor],
                            source: str = 'detector') -> Dict[str, Tensor]:
        """The plain-detector weights (``detector.*`` or ``ema_teacher.*`` keys, prefix removed)
        of an ``STKDDistiller`` state dict."""
        return strip_prefix(state_dict, source, 'STKDDistiller' + (
            ' (with ema_teacher=True)' if source == 'ema_teacher' else ''))


def _detach(x):
    if isinstance(x, Tensor):
        return x.detach()
    if isinstance(x, (list, tuple)):
        return type(x)(_detach(v) for v in x)
    return x
