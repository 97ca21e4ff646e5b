import math
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseTTAModel
from mmseg.utils import SampleList
from torch import Tensor

from cdkd.models.utils import (change_logit, change_threshold, export_module, make_cam,
                               pack_probability_predictions)
from cdkd.registry import MODELS

MODES = ('msi', 'mi')
FLIP_AXES = {'width': -1, 'height': -2}


@MODELS.register_module()
class MultiScaleChangeTTA(BaseTTAModel):
    """Multiscale (sigmoid) inference of KD-MSI as a TTA model for any cdkd change detector.

    Views are built from the preprocessed tensor (no ``tta_pipeline``): every scale ``s`` resizes
    the stacked dates (``resize_mode``, bicubic in KD-MSI) and, with ``flip``, stacks a flipped copy
    in the same forward call. The wrapped module's ``inference`` (or ``encode_decode``) gives logits
    per view; ``change_logit`` turns them into one pre-sigmoid change score ``z`` (one logit, or
    ``l1 - l0`` of a softmax pair). Each view is un-flipped and resized to the input size.

    - ``mode='msi'``: ``M = mean over the 2|S| views of sigmoid(z_view)`` (sigmoid once per view).
    - ``mode='mi'``: ``M = sum over views of ReLU(z_view)``, divided by its max (``+ 1e-5``): the
      official CAM MI (``multi_scale_inference.py:63-64,185``: ReLU per view, summed, / max).

    The output is a normal prediction: ``seg_logits`` = ``M``, ``pred_sem_seg`` = ``M > threshold``.

    Args:
        module: the change detector (tools/test.py ``--tta`` fills it from ``cfg.model``).
        mode: 'msi' or 'mi'.
        scales: KD-MSI code (0.5, 1.0, 1.25, 2.0); the paper says (0.5, 1.0, 1.5, 2.0).
        flip: add a flipped view per scale.
        flip_axis: 'width' (code: last axis) or 'height' (paper).
        resize_mode / output_resize_mode: interpolation of the input views / of the output maps.
        antialias: antialias the view resize (torch's ``antialias=True`` bicubic is PIL's bicubic,
            which the official code resizes with; it matters when shrinking).
        output_size_divisor: resize each view's map to the input size rounded up to this multiple,
            then crop, as the official code does (16) with its stride-16 maps. KD-MSI's
            ``CAMDistillationDetector`` returns its stride-16 map, so 16 reproduces the official
            order there; for detectors that return maps at the view size (mmseg's
            ``encode_decode``) only ``None`` (straight to the input size, the default) keeps
            pixels aligned. Both agree when the input size is a multiple of 16.
        threshold: change threshold; ``None`` takes ``change_threshold(module)`` (the prediction
            network's own threshold, a single-logit head's, else 0.5).
    """

    MODES = MODES

    def __init__(self, module: dict, mode: str = 'msi',
                 scales: Sequence[float] = (0.5, 1.0, 1.25, 2.0), flip: bool = True,
                 flip_axis: str = 'width', resize_mode: str = 'bicubic',
                 output_resize_mode: str = 'bilinear', output_size_divisor: Optional[int] = None,
                 antialias: bool = False,
                 threshold: Optional[float] = None, data_preprocessor=None):
        super().__init__(module=module, data_preprocessor=data_preprocessor)
        if mode not in self.MODES:
            raise ValueError(f'mode={mode!r}; choose one of {self.MODES}')
        if flip_axis not in FLIP_AXES:
            raise ValueError(f'flip_axis={flip_axis!r}; choose one of {tuple(FLIP_AXES)}')
        if not scales or any(s <= 0 for s in scales):
            raise ValueError(f'scales must be positive numbers, got {scales}')
        self.mode = mode
        self.scales = tuple(float(s) for s in scales)
        self.flip = flip
        self.flip_dim = FLIP_AXES[flip_axis]
        self.resize_mode = resize_mode
        self.output_resize_mode = output_resize_mode
        self.output_size_divisor = output_size_divisor
        self.antialias = antialias
        # None: the prediction network's own threshold (export_module: a distiller's student)
        self.threshold = change_threshold(self.module) if threshold is None else float(threshold)

    def merge_preds(self, data_samples_list):
        raise NotImplementedError('MultiScaleChangeTTA builds its views from tensors in test_step; '
                                  'remove tta_pipeline from the config')

    def test_step(self, data) -> SampleList:
        """``data`` is a plain batch (one tensor per sample, as the test pipeline packs it), not
        mmengine's list of views per sample: the views are built here."""
        if any(isinstance(item, (list, tuple)) for item in data['inputs']):
            raise TypeError('MultiScaleChangeTTA takes a plain batch (one input tensor per sample) '
                            'and builds its views itself; got a list of views per sample, as a '
                            'tta_pipeline produces: remove tta_pipeline from the config')
        data = self.module.data_preprocessor(data, False)
        return self.predict(data['inputs'], data['data_samples'])

    def _raw_logits(self, views: Tensor) -> Tensor:
        h, w = views.shape[-2:]
        metas = [dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w))] * views.shape[0]
        net = export_module(self.module)  # a distiller predicts with its student
        infer = getattr(net, 'inference', None) or net.encode_decode
        return infer(views, metas)

    def _resize_back(self, score: Tensor, size) -> Tensor:
        h, w = size
        d = self.output_size_divisor or 1
        up = (math.ceil(h / d) * d, math.ceil(w / d) * d)
        if tuple(score.shape[-2:]) != up:
            kwargs = dict(align_corners=False) if self.output_resize_mode in (
                'bilinear', 'bicubic') else {}
            score = F.interpolate(score[:, None], size=up, mode=self.output_resize_mode,
                                  **kwargs)[:, 0]
        return score[:, :h, :w]

    def view_scores(self, inputs: Tensor) -> List[Tensor]:
        """Per view, the un-flipped ``view_activation(z)`` at input size (``sigmoid`` for msi,
        ``ReLU`` for mi)."""
        size = inputs.shape[-2:]
        n = inputs.shape[0]
        scores = []
        for s in self.scales:
            scaled_size = (max(1, round(size[0] * s)), max(1, round(size[1] * s)))
            x = inputs if tuple(scaled_size) == tuple(size) else F.interpolate(
                inputs, size=scaled_size, mode=self.resize_mode, align_corners=False,
                antialias=self.antialias)
            if self.flip:
                x = torch.cat([x, x.flip(self.flip_dim)], dim=0)
            z = change_logit(self._raw_logits(x))
            z = self.view_activation(z)
            per_view = [z[:n]]
            if self.flip:
                per_view.append(z[n:].flip(self.flip_dim))
            scores.extend(self._resize_back(v, size) for v in per_view)
        return scores

    def view_activation(self, z: Tensor) -> Tensor:
        """Per-view score of the pre-sigmoid change score ``z`` (at the module's output size)."""
        return torch.sigmoid(z) if self.mode == 'msi' else F.relu(z)

    def fuse(self, scores: List[Tensor]) -> Tensor:
        """The map ``M`` of the per-view scores (each un-flipped, at input size)."""
        if self.mode == 'msi':
            return torch.stack(scores).mean(dim=0)
        return make_cam(torch.stack(scores).sum(dim=0))

    def change_probability(self, inputs: Tensor) -> Tensor:
        """The fused map ``M`` ``(N, H, W)`` (see the class doc)."""
        return self.fuse(self.view_scores(inputs))

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        return pack_probability_predictions(self.change_probability(inputs), data_samples,
                                            self.threshold)
