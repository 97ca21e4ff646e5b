from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from cdkd.evaluation.threshold_sweep import (best_threshold, sweep_confusion, sweep_scores,
                                             threshold_grid)
from cdkd.models.utils import probability_from_seg_logits
from cdkd.registry import METRICS
from .change_metric import warn_if_degenerate


@METRICS.register_module()
class ThresholdSweepMetric(BaseMetric):
    """Best score of a change-probability map over a grid of thresholds.

    KD-MSI selects the stage-1 checkpoint by the student's change IoU on the training images at the
    best of the thresholds 0.10, 0.15, ..., 0.95 (``pred = prob > t``), on the student's map
    multiplied by the image-level label (``image_label_gating=True``; official
    ``train_classification_with_KD.py:191,214-215``); the pseudo-label threshold is chosen the same
    way by mIoU over 0.00 ... 0.85. The probability is ``seg_logits`` (one channel: already a
    probability; two channels: softmax of the logits).

    Reports ``<key>`` (the best value), ``<key>_threshold`` and every score of ``ChangeMetric`` at
    that threshold, prefixed ``at_best/``.

    Args:
        thresholds: explicit thresholds; default ``threshold_grid(0.10, 0.95, 0.05)``.
        key: the score to maximise ('IoU' = change IoU, or 'mIoU', 'F1', ...).
        image_label_gating: multiply each map by the sample's ``gt_image_label`` (put
            ``ImageLevelChangeLabel(drop_mask=False)`` in the evaluation pipeline), so a no-change
            image predicts no change at any threshold. False scores the map as it is.
    """

    def __init__(self, thresholds: Optional[Sequence[float]] = None, key: str = 'IoU',
                 ignore_index: int = 255, image_label_gating: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None, **kwargs):
        super().__init__(collect_device=collect_device, prefix=prefix, **kwargs)
        self.thresholds = tuple(thresholds) if thresholds is not None else threshold_grid(0.1, 0.95)
        self.key = key
        self.ignore_index = ignore_index
        self.image_label_gating = image_label_gating

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            prob = probability_from_seg_logits(sample['seg_logits']['data'])
            gt = sample['gt_sem_seg']['data'].squeeze(0).to(prob.device)
            if self.image_label_gating:
                if 'gt_image_label' not in sample:
                    raise KeyError(f"sample {sample.get('sample_name', '?')!r} has no "
                                   'gt_image_label for image_label_gating; add '
                                   "dict(type='ImageLevelChangeLabel', drop_mask=False) to the "
                                   'evaluation pipeline before PackChangeInputs')
                prob = prob * float(sample['gt_image_label'])
            self.results.append(sweep_confusion(prob, gt, self.thresholds, self.ignore_index))

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        matrices = np.sum(results, axis=0)
        scores = sweep_scores(matrices, self.thresholds)
        warn_if_degenerate(matrices[0], MMLogger.get_current_instance())  # GT rows: any threshold
        best = best_threshold(scores, self.key)
        table = ', '.join(f'{t:.2f}: {s[self.key]:.4f}' for t, s in scores.items())
        MMLogger.get_current_instance().info(f'{self.key} per threshold: {table}')
        out = {self.key: scores[best][self.key], f'{self.key}_threshold': best}
        out.update({f'at_best/{k}': v for k, v in scores[best].items()})
        return out
