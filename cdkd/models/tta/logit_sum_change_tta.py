from typing import List, Sequence

import torch
from torch import Tensor

from cdkd.registry import MODELS
from .multiscale_change_tta import MultiScaleChangeTTA


@MODELS.register_module()
class LogitSumChangeTTA(MultiScaleChangeTTA):
    """KD-MSI's stage-2 test-time inference (official ``inference_change_detection.py:134-189``):
    every scale x {original, flip} view's 2-class logits (at the view size, resized bilinearly to
    the input size and un-flipped) are **summed**, then softmax, then argmax.

    With ``z = l_change - l_unchanged`` per view (``change_logit``), the softmax change probability
    of the summed logits is ``sigmoid(sum of z)`` and argmax is ``> 0.5`` (a tie goes to
    'unchanged', as ``np.argmax``), so ``seg_logits`` = that probability and ``pred_sem_seg`` =
    ``M > 0.5``. A single-logit detector works the same way (its logit is ``z``).

    Views, flips and resizes as ``MultiScaleChangeTTA``; ``tools/test.py --tta`` and
    ``tools/infer_scene.py --tta`` (tile by tile, through ``change_probability``) use it.

    Args:
        scales: official (0.5, 1.0, 1.5, 2.0).
        antialias: antialiased bicubic view resize (PIL's bicubic, which the official code uses).
    """

    MODES = ('logit_sum', )

    def __init__(self, module: dict, scales: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
                 flip: bool = True, flip_axis: str = 'width', resize_mode: str = 'bicubic',
                 antialias: bool = True, data_preprocessor=None):
        super().__init__(module=module, mode='logit_sum', scales=scales, flip=flip,
                         flip_axis=flip_axis, resize_mode=resize_mode,
                         output_resize_mode='bilinear', output_size_divisor=None,
                         antialias=antialias, threshold=0.5,
                         data_preprocessor=data_preprocessor)

    def view_activation(self, z: Tensor) -> Tensor:
        return z

    def fuse(self, scores: List[Tensor]) -> Tensor:
        return torch.sigmoid(torch.stack(scores).sum(dim=0))
