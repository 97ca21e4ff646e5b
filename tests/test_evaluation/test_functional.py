"""Confusion matrix and score formulas on hand-computed cases."""
import math

import numpy as np
import pytest
import torch

from cdkd.evaluation.functional import CHANGE_SCORE_NAMES, change_scores, confusion_matrix


def cm_of(tp, fp, fn, tn):
    return np.array([[tn, fp], [fn, tp]], dtype=np.int64)


def test_confusion_matrix_layout_and_ignore():
    gt = np.array([[0, 0, 1, 1], [1, 255, 255, 0]], dtype=np.uint8)
    pred = np.array([[0, 1, 1, 0], [1, 1, 0, 0]], dtype=np.uint8)
    # scored: (0,0)TN (0,1)FP (1,1)TP (1,0)FN | (1,1)TP, ignored x2, (0,0)TN
    cm = confusion_matrix(pred, gt)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, cm_of(tp=2, fp=1, fn=1, tn=2))


def test_confusion_matrix_torch_and_shapes():
    gt = torch.tensor([[[1, 0], [255, 1]]])  # 1 x H x W
    pred = torch.tensor([[1, 1], [0, 0]])  # H x W
    np.testing.assert_array_equal(confusion_matrix(pred, gt), cm_of(tp=1, fp=1, fn=1, tn=0))
    # a predicted value at an ignored pixel may be anything
    pred_bad_at_ignore = torch.tensor([[1, 1], [7, 0]])
    np.testing.assert_array_equal(confusion_matrix(pred_bad_at_ignore, gt),
                                  cm_of(tp=1, fp=1, fn=1, tn=0))


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match='shape'):
        confusion_matrix(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match='ground-truth labels'):  # unconverted 0/128 mask
        confusion_matrix(np.zeros((2, 2)), np.full((2, 2), 128))
    with pytest.raises(ValueError, match='predicted labels'):
        confusion_matrix(np.full((2, 2), 2), np.zeros((2, 2)))


def test_all_ignored_gives_zero_matrix():
    cm = confusion_matrix(np.ones((3, 3)), np.full((3, 3), 255))
    np.testing.assert_array_equal(cm, np.zeros((2, 2)))


def test_scores_hand_computed():
    # TP=40 FP=10 FN=20 TN=30, N=100
    s = change_scores(cm_of(tp=40, fp=10, fn=20, tn=30))
    assert list(s) == list(CHANGE_SCORE_NAMES)
    assert all(isinstance(v, float) for v in s.values())
    expect = dict(
        OA=0.7, Precision=0.8, Recall=40 / 60, F1=80 / 110, IoU=40 / 70,
        IoU_unchanged=30 / 60, FPR=10 / 40, FNR=20 / 60, F1_unchanged=60 / 90,
        FP_union=10 / 70, FN_union=20 / 70)
    expect['mIoU'] = (40 / 70 + 0.5) / 2
    expect['mF1'] = (80 / 110 + 60 / 90) / 2
    # pe = (50*60 + 50*40) / 100^2 = 0.5 ; kappa = (0.7 - 0.5) / 0.5
    expect['Kappa'] = 0.4
    for k, v in expect.items():
        assert s[k] == pytest.approx(v, abs=1e-12), k
    p, r = s['Precision'], s['Recall']
    assert s['F1'] == pytest.approx(2 * p * r / (p + r))


def test_all_correct():
    s = change_scores(cm_of(tp=5, fp=0, fn=0, tn=7))
    for k in ('OA', 'Precision', 'Recall', 'F1', 'IoU', 'IoU_unchanged', 'mIoU', 'Kappa',
              'F1_unchanged', 'mF1'):
        assert s[k] == 1.0, k
    for k in ('FPR', 'FNR', 'FP_union', 'FN_union'):
        assert s[k] == 0.0, k


def test_all_wrong():
    s = change_scores(cm_of(tp=0, fp=6, fn=4, tn=0))
    for k in ('OA', 'Precision', 'Recall', 'F1', 'IoU', 'IoU_unchanged', 'mIoU', 'F1_unchanged',
              'mF1'):
        assert s[k] == 0.0, k
    assert s['FPR'] == 1.0 and s['FNR'] == 1.0
    assert s['FP_union'] == pytest.approx(0.6) and s['FN_union'] == pytest.approx(0.4)
    # po = 0, pe = (6*4 + 4*6)/100 = 0.48 -> kappa = -0.48/0.52
    assert s['Kappa'] == pytest.approx(-0.48 / 0.52)


def test_empty_truth_empty_prediction_is_perfect():
    s = change_scores(cm_of(tp=0, fp=0, fn=0, tn=50))
    assert s['Precision'] == s['Recall'] == s['F1'] == s['IoU'] == 1.0
    assert s['Kappa'] == 1.0 and s['OA'] == 1.0 and s['mIoU'] == 1.0
    assert s['FNR'] == 0.0 and s['FP_union'] == 0.0 and s['FN_union'] == 0.0


def test_empty_truth_with_false_alarms():
    s = change_scores(cm_of(tp=0, fp=5, fn=0, tn=45))
    assert s['Precision'] == 0.0 and s['Recall'] == 0.0  # recall 0/0 with errors -> 0
    assert s['F1'] == 0.0 and s['IoU'] == 0.0 and s['FP_union'] == 1.0
    assert s['FPR'] == pytest.approx(0.1) and s['FNR'] == 0.0  # FNR 0/0 -> 0
    assert s['OA'] == pytest.approx(0.9)


def test_empty_prediction_on_changed_truth():
    s = change_scores(cm_of(tp=0, fp=0, fn=8, tn=12))
    assert s['Precision'] == 0.0  # 0/0 with misses -> 0
    assert s['Recall'] == 0.0 and s['F1'] == 0.0 and s['IoU'] == 0.0
    assert s['FNR'] == 1.0 and s['FN_union'] == 1.0 and s['FPR'] == 0.0
    assert s['Kappa'] == 0.0  # pe = po = 0.6


def test_everything_ignored_never_nan():
    s = change_scores(np.zeros((2, 2), dtype=np.int64))
    assert all(math.isfinite(v) for v in s.values())
    assert s['OA'] == 1.0 and s['IoU'] == 1.0 and s['FPR'] == 0.0


def test_union_terms_sum_to_one():
    rng = np.random.default_rng(0)
    for _ in range(50):
        tp, fp, fn, tn = (int(v) for v in rng.integers(0, 1000, size=4))
        s = change_scores(cm_of(tp, fp, fn, tn))
        assert s['IoU'] + s['FP_union'] + s['FN_union'] == pytest.approx(1.0)


def test_kd_msi_whu_ours():
    """WHU-CD 'Ours' in KD-MSI: cIoU .562, FP .245, FN .193 (fractions of TP + FP + FN)."""
    tp, fp, fn = 562, 245, 193
    s = change_scores(cm_of(tp=tp, fp=fp, fn=fn, tn=100_000))
    assert round(s['IoU'], 3) == 0.562
    assert round(s['FP_union'], 3) == 0.245
    assert round(s['FN_union'], 3) == 0.193
    assert s['mF1'] == pytest.approx((s['F1'] + s['F1_unchanged']) / 2)


def test_large_counts_exact():
    # N^2 overflows int64; scores must still be right
    n = 4_000_000_000
    s = change_scores(cm_of(tp=n, fp=n, fn=n, tn=n))
    assert s['OA'] == 0.5 and s['Kappa'] == 0.0 and s['IoU'] == pytest.approx(1 / 3)


def test_bad_matrix():
    with pytest.raises(ValueError):
        change_scores(np.zeros((3, 3)))
    with pytest.raises(ValueError):
        change_scores(np.array([[1, -1], [0, 0]]))
