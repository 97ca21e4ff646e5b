"""Change scores from a detector's raw logits and packing of probability maps as predictions."""
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor


def make_cam(score: Tensor, eps: float = 1e-5) -> Tensor:
    """KD-MSI's Eq. (1): ``ReLU(G) / max(ReLU(G))`` per image (``eps`` avoids 0/0, as the code)."""
    positive = F.relu(score)
    return positive / (positive.flatten(1).amax(dim=1).view(-1, *[1] * (score.dim() - 1)) + eps)


def change_logit(logits: Tensor) -> Tensor:
    """Pre-sigmoid change score ``(N, H, W)`` of raw logits ``(N, C, H, W)``.

    One channel: the logit itself. Two channels (softmax): ``l_change - l_unchanged``, whose sigmoid
    is exactly the softmax change probability, so sigmoid-based fusion treats both head types alike.
    """
    if logits.shape[1] == 1:
        return logits[:, 0]
    if logits.shape[1] == 2:
        return logits[:, 1] - logits[:, 0]
    raise ValueError(f'expected 1 (sigmoid) or 2 (softmax) logit channels, got {logits.shape[1]}')


def probability_from_seg_logits(seg_logits: Tensor) -> Tensor:
    """Change probability ``(H, W)`` of a prediction's ``seg_logits.data`` as mmseg stores it:
    one channel is already a probability (mmseg applied the sigmoid); two channels are logits."""
    if seg_logits.shape[0] == 1:
        return seg_logits[0]
    return torch.sigmoid(change_logit(seg_logits[None]))[0]


def pack_probability_predictions(prob: Tensor, data_samples: Sequence[SegDataSample],
                                 threshold: float) -> List[SegDataSample]:
    """Write ``seg_logits`` (the probability, 1 x H x W) and ``pred_sem_seg`` (``prob > threshold``,
    i.e. ``argmax([threshold, prob])``) into each data sample.

    ``prob`` is ``(N, H_pad, W_pad)`` over the padded batch: each map is cropped to the sample's
    ``img_shape`` (the preprocessor pads bottom/right), then resized to ``ori_shape`` if it differs.
    """
    outputs = []
    for i, data_sample in enumerate(data_samples):
        meta = data_sample.metainfo
        h, w = meta.get('img_shape', prob.shape[-2:])[:2]
        p = prob[i:i + 1, :h, :w]
        ori = meta.get('ori_shape', (h, w))[:2]
        if tuple(ori) != (h, w):
            p = F.interpolate(p[None], size=tuple(ori), mode='bilinear', align_corners=False)[0]
        data_sample.set_data(dict(seg_logits=PixelData(data=p),
                                  pred_sem_seg=PixelData(data=(p > threshold).long())))
        outputs.append(data_sample)
    return outputs
