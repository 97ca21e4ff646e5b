from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.models.segmentors import BaseSegmentor
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList
from torch import Tensor

from cdkd.models.utils import make_cam, pack_probability_predictions
from cdkd.registry import MODELS

OUTPUTS = ('student', 'teacher')
UPSAMPLE_MODES = ('nearest', 'bilinear')


@MODELS.register_module()
class CAMDistillationDetector(BaseSegmentor):
    """KD-MSI stage 1: a Siamese CAM teacher and a Siamese student trained jointly from
    image-level labels (Lu et al., "Weakly Supervised Change Detection via Knowledge Distillation
    and Multiscale Sigmoid Inference").

    ``L = BCEWithLogits(GAP(G_t), y) + kd_weight * MSE(sigmoid(G_s), CAM(G_t) * y)``, the CAM target
    detached, so the teacher gets only the classification loss and the student only the
    distillation loss. ``y`` is ``data_sample.gt_image_label`` (see ``ImageLevelChangeLabel``).

    At test time ``test_cfg.output`` picks the map: ``'student'`` -> ``sigmoid(G_s)`` (the method),
    ``'teacher'`` -> ``CAM(G_t)`` (the teacher/CAM baseline), computed at the feature stride and
    upsampled to the input size with ``test_cfg.upsample``: ``'nearest'`` (the official model
    selection, ``train_classification_with_KD.py:215,226``) or ``'bilinear'``.
    ``encode_decode`` returns the raw map (``G_s`` or ``G_t``) at the feature stride, so multiscale
    TTA models apply their sigmoid/ReLU there, as the official MSI/MI do, and upsample after.

    Args:
        teacher / student: ``SiameseCAMNet`` configs (KD-MSI uses different fusions per net).
        kd_weight: lambda of the distillation loss (10 in the paper and code).
        label_gated_cam: multiply the CAM target by the image label (official code: True; the
            paper's Eq. (3) omits it).
        threshold: change threshold of ``pred_sem_seg`` (``prob > threshold``).
    """

    def __init__(self, teacher: dict, student: dict, kd_weight: float = 10.0,
                 label_gated_cam: bool = True, threshold: float = 0.5,
                 data_preprocessor: Optional[dict] = None, train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.teacher = MODELS.build(teacher)
        self.student = MODELS.build(student)
        self.kd_weight = kd_weight
        self.label_gated_cam = label_gated_cam
        self.threshold = threshold
        self.train_cfg = train_cfg
        self.test_cfg = ConfigDict({'output': 'student', 'upsample': 'nearest',
                                    **(test_cfg or {})})
        if self.test_cfg.output not in OUTPUTS:
            raise ValueError(f'test_cfg.output={self.test_cfg.output!r}; choose one of {OUTPUTS}')
        if self.test_cfg.upsample not in UPSAMPLE_MODES:
            raise ValueError(f'test_cfg.upsample={self.test_cfg.upsample!r}; choose one of '
                             f'{UPSAMPLE_MODES}')

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        return [self.student(inputs)]

    def encode_decode(self, inputs: Tensor, batch_img_metas: Optional[List[dict]] = None) -> Tensor:
        """Raw map of ``test_cfg.output`` (``G_s`` or ``G_t``) at the feature stride."""
        net = self.student if self.test_cfg.output == 'student' else self.teacher
        return net(inputs)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        missing = [i for i, s in enumerate(data_samples) if 'gt_image_label' not in s]
        if missing:
            raise KeyError(f'samples {missing} of the batch have no gt_image_label; add '
                           "dict(type='ImageLevelChangeLabel') to the train pipeline before "
                           'PackChangeInputs')
        labels = torch.stack([s.gt_image_label.reshape(()) for s in data_samples]).to(
            inputs.device, torch.float32)
        # float32 losses under --amp: nothing below is on autocast's low-precision op list
        teacher_map = self.teacher(inputs).float()
        student_map = self.student(inputs).float()
        loss_cls = F.binary_cross_entropy_with_logits(teacher_map.mean(dim=(1, 2, 3)), labels)
        cam = make_cam(teacher_map)
        if self.label_gated_cam:
            cam = cam * labels.view(-1, 1, 1, 1)
        loss_kd = F.mse_loss(torch.sigmoid(student_map), cam.detach())
        return dict(loss_cls=loss_cls, loss_kd=self.kd_weight * loss_kd)

    def probability(self, inputs: Tensor) -> Tensor:
        """The scored map ``(N, H, W)`` at the input size: ``sigmoid(G_s)`` (student) or
        ``CAM(G_t)`` (teacher) on the stride-16 map, then ``test_cfg.upsample`` (the official
        order). The export protocol's hook, so ``ChangeProbabilityNet`` (scene inference, ONNX)
        outputs what ``predict`` scores."""
        score = self.encode_decode(inputs)
        prob = torch.sigmoid(score) if self.test_cfg.output == 'student' else make_cam(score)
        kwargs = dict(align_corners=False) if self.test_cfg.upsample == 'bilinear' else {}
        return F.interpolate(prob, size=inputs.shape[-2:], mode=self.test_cfg.upsample,
                             **kwargs)[:, 0]

    def predict(self, inputs: Tensor, data_samples: Optional[SampleList] = None) -> SampleList:
        prob = self.probability(inputs)
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(inputs.shape[0])]
        return pack_probability_predictions(prob, data_samples, self.threshold)

    def _forward(self, inputs: Tensor, data_samples: Optional[SampleList] = None):
        """Raw single-logit change map at the feature stride (the export protocol's
        ``mode='tensor'``; ``ChangeProbabilityNet`` resizes it to the input size)."""
        return self.encode_decode(inputs)

    def export_module(self) -> torch.nn.Module:
        return self
