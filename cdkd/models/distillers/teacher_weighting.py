"""Per-sample weights of several teachers (multi-teacher distillation)."""
from typing import Optional, Sequence

import torch
from torch import Tensor

from cdkd.registry import TASK_UTILS


def change_area_ratio(data_samples, ignore_index: Optional[int] = None) -> Tensor:
    """Share of change pixels (label > 0) of each sample's ``gt_sem_seg``, ``(N,)``.

    With ``ignore_index=None`` every pixel counts and an ignored/padded pixel (255) counts as
    change, as in open-cd's MTKD (``(gt_seg > 0).float().mean()``); with ``ignore_index`` set,
    those pixels are left out of both counts.
    """
    ratios = []
    for sample in data_samples:
        if 'gt_sem_seg' not in sample:
            raise KeyError('change-area teacher weights need gt_sem_seg in every training sample')
        gt = sample.gt_sem_seg.data
        valid = gt != ignore_index if ignore_index is not None else torch.ones_like(gt, dtype=bool)
        change = (gt > 0) & valid
        ratios.append(change.sum().float() / valid.sum().clamp(min=1).float())
    return torch.stack(ratios)


def change_area_range(ratio: Tensor, thresholds: Sequence[float]) -> Tensor:
    """Index of each ratio's change-area range: ``ratio < t0`` -> 0, ``t0 <= ratio < t1`` -> 1,
    ..., ``ratio >= t_last`` -> ``len(thresholds)`` (MTKD's strict ``<``). Shared by the teacher
    choice and tools/dataset_converters/change_area_split.py, which splits a training set for the
    teachers by the same rule."""
    return torch.bucketize(ratio, torch.tensor(thresholds, dtype=ratio.dtype), right=True)


@TASK_UTILS.register_module()
class ChangeAreaTeacherAssigner:
    """MTKD's teacher choice (Liu et al., "JL1-CD: A New Benchmark for Remote Sensing Change
    Detection and a Robust Multi-Teacher Knowledge Distillation Framework", 2025; open-cd
    ``opencd/models/change_detectors/mtkd.py``): each sample is distilled from the teacher trained
    on its change-area range. Teachers are ordered by ascending change area; with the default
    thresholds ``(0.05, 0.2)`` a sample whose ratio is < 0.05 goes to teacher 0 (MTKD's
    ``teacher_s``), < 0.2 to teacher 1 (``teacher_m``), else to teacher 2 (``teacher_l``).

    Returns one-hot weights ``(N, len(thresholds) + 1)``.
    """

    def __init__(self, thresholds: Sequence[float] = (0.05, 0.2),
                 ignore_index: Optional[int] = None):
        thresholds = [float(t) for t in thresholds]
        if not thresholds or sorted(thresholds) != thresholds:
            raise ValueError(f'thresholds must be a non-empty ascending list, got {thresholds}')
        self.thresholds = thresholds
        self.ignore_index = ignore_index

    @property
    def num_teachers(self) -> int:
        return len(self.thresholds) + 1

    def __call__(self, data_samples) -> Tensor:
        ratio = change_area_ratio(data_samples, self.ignore_index)
        index = change_area_range(ratio, self.thresholds)
        return torch.nn.functional.one_hot(index, self.num_teachers).to(ratio.dtype)
