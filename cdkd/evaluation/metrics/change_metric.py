"""Pixel-level binary change metric over a whole split."""
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.dist import is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.utils import mkdir_or_exist
from prettytable import PrettyTable

from cdkd.evaluation.functional import change_scores, confusion_matrix, degenerate_split_message
from cdkd.registry import METRICS


def _get(obj, key, default=None):
    """Item of a dict, or attribute of a data element (mmengine passes dicts to metrics)."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def sample_output_name(data_sample) -> str:
    """File stem for a sample's outputs: ``sample_name``, else the stem of ``img_paths[0]``."""
    name = _get(data_sample, 'sample_name')
    if name:
        return str(name)
    img_paths = _get(data_sample, 'img_paths') or [_get(data_sample, 'img_path')]
    if not img_paths or img_paths[0] is None:
        raise KeyError('data sample has neither `sample_name` nor `img_paths` to name its output')
    return osp.splitext(osp.basename(img_paths[0]))[0]


def warn_if_degenerate(cm: np.ndarray, logger: MMLogger) -> None:
    """Log one warning when the split's summed matrix has no scored or no changed GT pixel."""
    message = degenerate_split_message(cm)
    if message is not None:
        print_log(message, logger=logger, level=logging.WARNING)


@METRICS.register_module()
class ChangeMetric(BaseMetric):
    """Binary change-detection metric from one confusion matrix summed over the split.

    ``process`` stores one 2x2 int64 confusion matrix per sample (rows = ground truth, columns =
    prediction; pixels with ``gt == ignore_index`` skipped). ``compute_metrics`` **sums** all
    matrices (all batches, all ranks) and derives every score from the sum, so a score is a
    pixel-level score of the whole split, not a mean of per-image scores. One matrix per sample
    (not per batch) lets mmengine's ``collect_results`` drop the samples that a distributed
    sampler repeats to pad ranks, exactly as it does for mmseg's ``IoUMetric``.

    Returned scores are **fractions in [0, 1]** (not percent as in mmseg), with
    ``TN, FP, FN, TP`` the summed counts and ``N`` their total:

    - ``OA`` = (TP + TN) / N
    - ``Precision`` = TP / (TP + FP), ``Recall`` = TP / (TP + FN), ``F1`` = 2 TP / (2 TP + FP + FN)
      (change class)
    - ``IoU`` = TP / (TP + FP + FN) (change-class IoU, "cIoU"),
      ``IoU_unchanged`` = TN / (TN + FP + FN), ``mIoU`` = their mean
    - ``Kappa`` = (p_o - p_e) / (1 - p_e), p_o = OA,
      p_e = ((TP + FP)(TP + FN) + (TN + FN)(TN + FP)) / N^2
    - ``FPR`` = FP / (FP + TN), ``FNR`` = FN / (FN + TP)
    - KD-MSI's conventions (its ``evaluate.py``): ``F1_unchanged`` = 2 TN / (2 TN + FP + FN),
      ``mF1`` = (F1 + F1_unchanged) / 2 (the paper's "F1"),
      ``FP_union`` = FP / (TP + FP + FN) and ``FN_union`` = FN / (TP + FP + FN) (the paper's "FP"
      and "FN"), so IoU + FP_union + FN_union = 1.

    A 0/0 ratio never yields NaN: agreement scores take 1 when the matrix has no error
    (FP + FN = 0, e.g. empty prediction on empty truth) and 0 otherwise; error rates take 0.
    See :func:`cdkd.evaluation.functional.change_scores`. When the split has no scored pixel
    (all ``ignore_index``) or no changed ground-truth pixel, one warning per evaluation says so.

    Args:
        ignore_index: ground-truth label that is not scored. Defaults to 255.
        collect_device: ``'cpu'`` or ``'gpu'``, for collecting results across ranks.
        output_dir: if set, each prediction is written there as a single-channel PNG with
            0 = unchanged and 255 = changed, named ``<sample_name>.png`` (else the stem of
            ``img_paths[0]``).
        format_only: only write predictions (needs ``output_dir``); no ground truth is read and
            ``compute_metrics`` returns ``{}``. For label-free test splits.
        prefix: prefix of the metric names (``prefix/IoU``). Defaults to none.
    """

    def __init__(self,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 prefix: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, **kwargs)
        if format_only and not output_dir:
            raise ValueError('format_only=True needs an output_dir to write predictions to')
        self.ignore_index = ignore_index
        self.output_dir = output_dir
        self.format_only = format_only
        if self.output_dir and is_main_process():
            mkdir_or_exist(self.output_dir)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Append one confusion matrix per sample; write predictions if ``output_dir`` is set.

        Args:
            data_batch: the batch from the dataloader (unused).
            data_samples: model outputs as dicts (or ``SegDataSample``) with
                ``pred_sem_seg.data`` (``1 x H x W``, 0/1) and, unless ``format_only``,
                ``gt_sem_seg.data`` (``1 x H x W``; ``ignore_index`` = unscored).
        """
        for data_sample in data_samples:
            pred = _get(_get(data_sample, 'pred_sem_seg'), 'data').squeeze()
            if not self.format_only:
                gt_field = _get(data_sample, 'gt_sem_seg')
                if gt_field is None:
                    name = _get(data_sample, 'sample_name', '')
                    raise KeyError(f'sample {name!r} has no gt_sem_seg; for a label-free split '
                                   'use ChangeMetric(format_only=True, output_dir=...)')
                gt = _get(gt_field, 'data').squeeze()
                self.results.append(
                    confusion_matrix(pred, gt, num_classes=2, ignore_index=self.ignore_index))
            if self.output_dir is not None:
                self._write_prediction(data_sample, pred)

    def _write_prediction(self, data_sample, pred) -> None:
        mask = pred.cpu().numpy() if hasattr(pred, 'cpu') else np.asarray(pred)
        png = (mask > 0).astype(np.uint8) * 255
        path = osp.abspath(osp.join(self.output_dir, f'{sample_output_name(data_sample)}.png'))
        if not cv2.imwrite(path, png):
            raise OSError(f'could not write prediction to {path}')

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """Sum the collected matrices and compute the scores (fractions, see class doc).

        Args:
            results: the per-sample 2x2 matrices of all ranks.

        Returns:
            dict name -> float (``{}`` when ``format_only``).
        """
        logger: MMLogger = MMLogger.get_current_instance()
        if self.format_only:
            logger.info(f'predictions are saved to {self.output_dir}')
            return {}
        cm = np.zeros((2, 2), dtype=np.int64)
        for part in results:
            cm += np.asarray(part, dtype=np.int64)
        scores = change_scores(cm)
        self._log_tables(cm, scores, logger)
        warn_if_degenerate(cm, logger)
        return scores

    def _class_names(self) -> Sequence[str]:
        classes = (self.dataset_meta or {}).get('classes')
        return tuple(classes) if classes is not None and len(classes) == 2 else ('unchanged',
                                                                                'changed')

    def _log_tables(self, cm: np.ndarray, scores: Dict[str, float], logger: MMLogger) -> None:
        tn, fp, fn, tp = (int(v) for v in cm.reshape(-1))
        unchanged, changed = self._class_names()
        per_class = PrettyTable()
        per_class.field_names = ['Class', 'IoU', 'F1', 'Precision', 'Recall']
        precision_unchanged = tn / (tn + fn) if tn + fn else float(fp + fn == 0)
        recall_unchanged = tn / (tn + fp) if tn + fp else float(fp + fn == 0)
        per_class.add_row([unchanged] + [f'{v:.4f}' for v in (
            scores['IoU_unchanged'], scores['F1_unchanged'], precision_unchanged,
            recall_unchanged)])
        per_class.add_row([changed] + [f'{scores[k]:.4f}' for k in (
            'IoU', 'F1', 'Precision', 'Recall')])
        summary = PrettyTable()
        summary.field_names = ['Metric', 'Value']
        for name, value in scores.items():
            summary.add_row([name, f'{value:.4f}'])
        summary.align['Metric'] = 'l'
        print_log('per class results (fractions):', logger)
        print_log('\n' + per_class.get_string(), logger=logger)
        print_log(f'summary (fractions; TP={tp} FP={fp} FN={fn} TN={tn} pixels):', logger)
        print_log('\n' + summary.get_string(), logger=logger)
