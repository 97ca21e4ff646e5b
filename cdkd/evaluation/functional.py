"""Pure functions for binary change-detection scores.

A confusion matrix here is a ``(2, 2)`` int64 array indexed ``[ground truth, prediction]``:

.. code-block:: text

                  pred 0   pred 1
    gt 0 (unch.)    TN       FP
    gt 1 (change)   FN       TP

Matrices of several images or ranks are combined by **summing** them; every score is then derived
from the summed matrix (a pixel-level score of the whole split, not a mean of per-image scores).

Undefined ratios (0/0) never give NaN: they take the value of a perfect result when the matrix has
no errors (``FP + FN == 0``), else the value of a failed one. Concretely an agreement score
(OA, Precision, Recall, F1, IoU, Kappa, of either class) is 1 when ``FP + FN == 0`` and 0
otherwise; an error rate (FPR, FNR, FP_union, FN_union) with a zero denominator has a zero
numerator, and is 0.
"""
from typing import Dict, Optional, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

CHANGE_SCORE_NAMES = ('OA', 'Precision', 'Recall', 'F1', 'IoU', 'IoU_unchanged', 'mIoU', 'Kappa',
                      'FPR', 'FNR', 'F1_unchanged', 'mF1', 'FP_union', 'FN_union')


def _as_long_tensor(x: ArrayLike) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f'expected a numpy array or a torch tensor, got {type(x).__name__}')
    return x.long()


def confusion_matrix(pred: ArrayLike,
                     gt: ArrayLike,
                     num_classes: int = 2,
                     ignore_index: int = 255) -> np.ndarray:
    """Pixel confusion matrix of one prediction against its ground truth.

    ``cm[i, j]`` = number of pixels with ``gt == i`` and ``pred == j``, over the pixels where
    ``gt != ignore_index``. Computed on the tensors' device (one ``bincount``); only the
    ``num_classes ** 2`` counts come back to the CPU.

    Args:
        pred: predicted labels, any shape (e.g. ``(H, W)`` or ``(1, H, W)``), numpy or torch.
        gt: ground-truth labels with the same number of elements; ``ignore_index`` marks pixels
            that are not scored.
        num_classes: number of classes (2 for change detection).
        ignore_index: label of unscored pixels. Predictions at those pixels may take any value.

    Returns:
        ``(num_classes, num_classes)`` int64 array, rows = ground truth, columns = prediction.

    Raises:
        ValueError: shapes differ (after squeezing size-1 dimensions), or a scored pixel has a
            label outside ``[0, num_classes)`` (e.g. a 0/255 mask that was not converted to 0/1).
    """
    pred_t, gt_t = _as_long_tensor(pred), _as_long_tensor(gt)
    if pred_t.squeeze().shape != gt_t.squeeze().shape:
        raise ValueError(f'prediction shape {tuple(pred_t.shape)} does not match ground-truth '
                         f'shape {tuple(gt_t.shape)}')
    pred_t, gt_t = pred_t.reshape(-1), gt_t.to(pred_t.device).reshape(-1)
    valid = gt_t != ignore_index
    pred_t, gt_t = pred_t[valid], gt_t[valid]
    if gt_t.numel() == 0:
        return np.zeros((num_classes, num_classes), dtype=np.int64)
    for name, t in (('ground-truth', gt_t), ('predicted', pred_t)):
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= num_classes:
            raise ValueError(f'{name} labels must lie in [0, {num_classes}) or equal '
                             f'ignore_index={ignore_index}; found values in [{lo}, {hi}]')
    counts = torch.bincount(gt_t * num_classes + pred_t, minlength=num_classes**2)
    return counts.cpu().numpy().astype(np.int64).reshape(num_classes, num_classes)


def _ratio(num: int, den: int, if_undefined: float) -> float:
    return float(num) / float(den) if den else float(if_undefined)


def change_scores(cm: ArrayLike) -> Dict[str, float]:
    """All binary change-detection scores from one (summed) 2x2 confusion matrix.

    With ``TN, FP, FN, TP = cm[0, 0], cm[0, 1], cm[1, 0], cm[1, 1]`` and
    ``N = TP + TN + FP + FN``; every value is a fraction in [0, 1] (Kappa in [-1, 1]):

    - ``OA`` = (TP + TN) / N
    - ``Precision`` = TP / (TP + FP)          (change class)
    - ``Recall`` = TP / (TP + FN)             (change class)
    - ``F1`` = 2 TP / (2 TP + FP + FN)        (change class; = 2 P R / (P + R))
    - ``IoU`` = TP / (TP + FP + FN)           (change-class IoU, "cIoU")
    - ``IoU_unchanged`` = TN / (TN + FP + FN)
    - ``mIoU`` = (IoU + IoU_unchanged) / 2
    - ``Kappa`` = (p_o - p_e) / (1 - p_e), p_o = OA,
      p_e = ((TP + FP)(TP + FN) + (TN + FN)(TN + FP)) / N^2; evaluated exactly as
      2 (TP TN - FN FP) / ((TP + FP)(FP + TN) + (TP + FN)(FN + TN)) (Cohen's kappa)
    - ``FPR`` = FP / (FP + TN)                (false-alarm rate)
    - ``FNR`` = FN / (FN + TP)                (miss rate, = 1 - Recall when defined)
    - ``F1_unchanged`` = 2 TN / (2 TN + FP + FN)
    - ``mF1`` = (F1 + F1_unchanged) / 2       (KD-MSI's "F1": mean over both classes)
    - ``FP_union`` = FP / (TP + FP + FN)      (KD-MSI's "FP")
    - ``FN_union`` = FN / (TP + FP + FN)      (KD-MSI's "FN"); IoU + FP_union + FN_union = 1

    0/0: agreement scores are 1 if ``FP + FN == 0`` else 0; error rates are 0 (see module doc).
    E.g. an empty prediction on an empty truth gives Precision = Recall = F1 = IoU = 1,
    an empty prediction on a non-empty truth gives Precision = Recall = F1 = IoU = 0.

    Args:
        cm: ``(2, 2)`` confusion matrix indexed ``[gt, pred]`` (numpy or torch, integer counts).

    Returns:
        dict of Python floats with the keys of :data:`CHANGE_SCORE_NAMES`.
    """
    cm = cm.cpu().numpy() if isinstance(cm, torch.Tensor) else np.asarray(cm)
    if cm.shape != (2, 2):
        raise ValueError(f'expected a (2, 2) confusion matrix, got shape {cm.shape}')
    if (cm < 0).any():
        raise ValueError(f'confusion matrix counts must be >= 0, got {cm.tolist()}')
    # Python ints: exact products (N^2 overflows int64 beyond ~3e9 pixels).
    tn, fp, fn, tp = (int(v) for v in cm.reshape(-1))
    good = 1.0 if fp + fn == 0 else 0.0

    scores = dict(
        OA=_ratio(tp + tn, tp + tn + fp + fn, good),
        Precision=_ratio(tp, tp + fp, good),
        Recall=_ratio(tp, tp + fn, good),
        F1=_ratio(2 * tp, 2 * tp + fp + fn, good),
        IoU=_ratio(tp, tp + fp + fn, good),
        IoU_unchanged=_ratio(tn, tn + fp + fn, good),
        Kappa=_ratio(2 * (tp * tn - fn * fp), (tp + fp) * (fp + tn) + (tp + fn) * (fn + tn), good),
        FPR=_ratio(fp, fp + tn, 0.0),
        FNR=_ratio(fn, fn + tp, 0.0),
        F1_unchanged=_ratio(2 * tn, 2 * tn + fp + fn, good),
        FP_union=_ratio(fp, tp + fp + fn, 0.0),
        FN_union=_ratio(fn, tp + fp + fn, 0.0),
    )
    scores['mIoU'] = (scores['IoU'] + scores['IoU_unchanged']) / 2
    scores['mF1'] = (scores['F1'] + scores['F1_unchanged']) / 2
    return {name: scores[name] for name in CHANGE_SCORE_NAMES}


def degenerate_split_message(cm: ArrayLike) -> Optional[str]:
    """Why the scores of a (summed) confusion matrix say little, or None when they are meaningful.

    The 0/0 convention gives every agreement score 1 when nothing is wrong, so a split with no
    scored pixel (all ``ignore_index``) or with no changed pixel in its ground truth (and an empty
    prediction) reports perfect scores. Metrics warn with this message once per evaluation.
    """
    cm = cm.cpu().numpy() if isinstance(cm, torch.Tensor) else np.asarray(cm)
    tn, fp, fn, tp = (int(v) for v in cm.reshape(-1))
    if tn + fp + fn + tp == 0:
        return ('no pixel of this split was scored (every ground-truth pixel is ignore_index): '
                'all scores are the 0/0 convention (1), not a measurement; check the labels, '
                'label_encoding and ignore_index')
    if tp + fn == 0:
        return (f'the ground truth of this split has no changed pixel ({tn + fp} scored pixels, '
                'all unchanged): Recall is 0/0 and the change-class scores (Precision, Recall, F1, '
                'IoU) are the 0/0 convention (1 for an empty prediction, else 0), not a '
                'measurement; check the labels and label_encoding')
    return None
