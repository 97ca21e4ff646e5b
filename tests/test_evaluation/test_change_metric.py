"""ChangeMetric: summed confusion matrix, paper conventions, agreement with mmseg's IoUMetric."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.evaluation import ChangeMetric, change_scores, confusion_matrix
from cdkd.registry import METRICS

META = dict(classes=('unchanged', 'changed'), palette=[[0, 0, 0], [255, 255, 255]])


def make_sample(pred, gt=None, name=None, img_paths=None):
    s = SegDataSample()
    s.pred_sem_seg = PixelData(data=torch.as_tensor(np.asarray(pred))[None].long())
    if gt is not None:
        s.gt_sem_seg = PixelData(data=torch.as_tensor(np.asarray(gt))[None].long())
    meta = {}
    if name is not None:
        meta['sample_name'] = name
    if img_paths is not None:
        meta['img_paths'] = img_paths
    s.set_metainfo(meta)
    return s


def run_metric(metric, batches):
    """Feed batches of (pred, gt) pairs as mmengine does (dict data samples)."""
    metric.dataset_meta = META
    for batch in batches:
        metric.process({}, [make_sample(p, g).to_dict() for p, g in batch])
    return metric.compute_metrics(metric.results)


def test_registered():
    assert isinstance(METRICS.build(dict(type='ChangeMetric')), ChangeMetric)


def test_hand_computed_with_ignore():
    gt = np.array([[1, 1, 0, 0], [1, 255, 0, 255]])
    pred = np.array([[1, 0, 1, 0], [1, 1, 0, 0]])
    # TP=2 (0,0),(1,0); FN=1 (0,1); FP=1 (0,2); TN=2 (0,3),(1,2); two ignored
    scores = run_metric(ChangeMetric(), [[(pred, gt)]])
    assert scores['OA'] == pytest.approx(4 / 6)
    assert scores['Precision'] == pytest.approx(2 / 3)
    assert scores['Recall'] == pytest.approx(2 / 3)
    assert scores['IoU'] == pytest.approx(2 / 4)
    assert scores['IoU_unchanged'] == pytest.approx(2 / 4)
    assert scores['FPR'] == pytest.approx(1 / 3) and scores['FNR'] == pytest.approx(1 / 3)
    assert scores['FP_union'] == pytest.approx(0.25) and scores['FN_union'] == pytest.approx(0.25)


def test_all_correct_all_wrong_and_empty_cases():
    gt = np.array([[1, 0], [0, 1]])
    s = run_metric(ChangeMetric(), [[(gt, gt)]])
    assert s['IoU'] == s['F1'] == s['OA'] == s['Kappa'] == 1.0 and s['FP_union'] == 0.0
    s = run_metric(ChangeMetric(), [[(1 - gt, gt)]])
    assert s['IoU'] == s['F1'] == s['OA'] == s['mIoU'] == 0.0 and s['FPR'] == s['FNR'] == 1.0
    zeros = np.zeros((3, 3), dtype=np.int64)
    s = run_metric(ChangeMetric(), [[(zeros, zeros)]])  # empty prediction on empty truth
    assert s['Precision'] == s['Recall'] == s['F1'] == s['IoU'] == 1.0
    s = run_metric(ChangeMetric(), [[(zeros, np.ones((3, 3)))]])  # empty prediction, all changed
    assert s['Precision'] == s['Recall'] == s['IoU'] == 0.0 and s['FN_union'] == 1.0
    s = run_metric(ChangeMetric(), [[(np.ones((3, 3)), np.full((3, 3), 255))]])  # all ignored
    assert all(np.isfinite(v) for v in s.values())


def test_union_identity_and_fractions():
    rng = np.random.default_rng(1)
    batches = [[(rng.integers(0, 2, (8, 8)), rng.integers(0, 2, (8, 8))) for _ in range(3)]
               for _ in range(2)]
    s = run_metric(ChangeMetric(), batches)
    assert s['IoU'] + s['FP_union'] + s['FN_union'] == pytest.approx(1.0)
    assert all(-1.0 <= v <= 1.0 for v in s.values())


def test_kd_msi_whu_ours_counts():
    # one image with TP=562, FP=245, FN=193 pixels and the rest unchanged
    gt = np.zeros((100, 100), dtype=np.int64)
    pred = np.zeros_like(gt)
    flat_gt, flat_pred = gt.reshape(-1), pred.reshape(-1)
    flat_gt[:562] = flat_pred[:562] = 1  # TP
    flat_pred[562:562 + 245] = 1  # FP
    flat_gt[1000:1000 + 193] = 1  # FN
    s = run_metric(ChangeMetric(), [[(pred, gt)]])
    assert (round(s['IoU'], 3), round(s['FP_union'], 3), round(s['FN_union'], 3)) == (
        0.562, 0.245, 0.193)


def test_sum_over_split_not_per_image_mean():
    # image 1: TP=1 (IoU 1); image 2: TP=1, FN=9 (IoU 0.1). Split IoU = 2/11, mean would be 0.55
    gt1, pred1 = np.array([[1, 0]]), np.array([[1, 0]])
    gt2 = np.ones((1, 10), dtype=np.int64)
    pred2 = np.zeros((1, 10), dtype=np.int64)
    pred2[0, 0] = 1
    s = run_metric(ChangeMetric(), [[(pred1, gt1)], [(pred2, gt2)]])
    assert s['IoU'] == pytest.approx(2 / 11)
    assert s['IoU'] != pytest.approx(0.55)
    assert s['Recall'] == pytest.approx(2 / 11)  # mean of per-image recalls would be 0.55


def test_results_hold_int64_matrices_per_sample():
    m = ChangeMetric()
    m.dataset_meta = META
    m.process({}, [make_sample(np.ones((2, 2)), np.ones((2, 2))).to_dict() for _ in range(3)])
    assert len(m.results) == 3
    assert all(r.dtype == np.int64 and r.shape == (2, 2) for r in m.results)


def test_agrees_with_mmseg_iou_metric():
    from mmseg.evaluation import IoUMetric
    rng = np.random.default_rng(2)
    batches = []
    for _ in range(4):
        batch = []
        for _ in range(3):
            gt = rng.integers(0, 2, (16, 16))
            gt[rng.random((16, 16)) < 0.1] = 255
            batch.append((rng.integers(0, 2, (16, 16)), gt))
        batches.append(batch)
    ours = run_metric(ChangeMetric(), batches)
    ref = IoUMetric(iou_metrics=['mIoU', 'mFscore'])
    ref.dataset_meta = META
    for batch in batches:
        ref.process({}, [make_sample(p, g).to_dict() for p, g in batch])
    theirs = ref.compute_metrics(ref.results)  # percent, rounded to 2 decimals
    assert theirs['aAcc'] == pytest.approx(100 * ours['OA'], abs=0.006)
    assert theirs['mIoU'] == pytest.approx(100 * ours['mIoU'], abs=0.006)
    assert theirs['mFscore'] == pytest.approx(100 * ours['mF1'], abs=0.006)
    # per-class change IoU through mmseg's static helpers
    inter = union = 0
    for batch in batches:
        for p, g in batch:
            i, u, _, _ = IoUMetric.intersect_and_union(torch.as_tensor(p), torch.as_tensor(g), 2,
                                                       255)
            inter, union = inter + i, union + u
    assert float(inter[1] / union[1]) == pytest.approx(ours['IoU'])
    assert float(inter[0] / union[0]) == pytest.approx(ours['IoU_unchanged'])


def test_evaluator_two_process_calls():
    rng = np.random.default_rng(3)
    pairs = [(rng.integers(0, 2, (8, 8)), rng.integers(0, 2, (8, 8))) for _ in range(4)]
    evaluator = Evaluator(ChangeMetric(prefix='cd'))
    evaluator.dataset_meta = META
    evaluator.process([make_sample(p, g) for p, g in pairs[:2]], data_batch={})
    evaluator.process([make_sample(p, g) for p, g in pairs[2:]], data_batch={})
    metrics = evaluator.evaluate(len(pairs))
    expected = change_scores(sum(confusion_matrix(p, g) for p, g in pairs))
    assert set(metrics) == {f'cd/{k}' for k in expected}
    for k, v in expected.items():
        assert metrics[f'cd/{k}'] == pytest.approx(v)
    assert evaluator.metrics[0].results == []  # reset after evaluate


def test_sampler_padding_is_dropped():
    """One entry per sample lets collect_results cut the sampler's padded repeats at `size`."""
    good, bad = np.ones((2, 2)), np.zeros((2, 2))
    evaluator = Evaluator(ChangeMetric())
    evaluator.dataset_meta = META
    evaluator.process([make_sample(good, good), make_sample(good, good)])
    evaluator.process([make_sample(bad, good)])  # a padded repeat beyond the dataset's size
    assert evaluator.evaluate(2)['IoU'] == 1.0


def test_output_dir_writes_0_255_pngs(tmp_path):
    out = tmp_path / 'preds'
    m = ChangeMetric(output_dir=str(out))
    m.dataset_meta = META
    pred = np.array([[0, 1], [1, 0]])
    m.process({}, [
        make_sample(pred, pred, name='tile_7').to_dict(),
        make_sample(1 - pred, pred, img_paths=['/x/A/t_3.tif', '/x/B/t_3.tif']).to_dict()
    ])
    a = cv2.imread(str(out / 'tile_7.png'), cv2.IMREAD_UNCHANGED)
    b = cv2.imread(str(out / 't_3.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(a, pred * 255)
    np.testing.assert_array_equal(b, (1 - pred) * 255)
    assert a.dtype == np.uint8 and a.ndim == 2
    assert m.compute_metrics(m.results)['IoU'] == pytest.approx(2 / 6)  # TP 2, FP 2, FN 2


def test_format_only_needs_no_labels(tmp_path):
    m = ChangeMetric(output_dir=str(tmp_path), format_only=True)
    m.dataset_meta = META
    m.process({}, [make_sample(np.ones((2, 2)), name='s0').to_dict()])
    assert m.results == []
    assert m.compute_metrics(m.results) == {}
    assert osp.isfile(tmp_path / 's0.png')
    with pytest.raises(ValueError, match='output_dir'):
        ChangeMetric(format_only=True)
    with pytest.raises(KeyError, match='format_only'):
        ChangeMetric().process({}, [make_sample(np.ones((2, 2)), name='s1').to_dict()])


class _Records:
    """Collect the warnings the current MMLogger emits (it does not propagate to caplog)."""

    def __enter__(self):
        import logging
        from mmengine.logging import MMLogger
        self.logger = MMLogger.get_current_instance()
        self.handler = logging.Handler(logging.WARNING)
        self.messages = []
        self.handler.emit = lambda record: self.messages.append(record.getMessage())
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)


@pytest.mark.parametrize('gt,pred,expected', [
    (np.full((2, 3), 255), np.zeros((2, 3), int), 'no pixel of this split was scored'),
    (np.zeros((2, 3), int), np.zeros((2, 3), int), 'has no changed pixel'),
    (np.zeros((2, 3), int), np.ones((2, 3), int), 'has no changed pixel'),
])
def test_degenerate_split_keeps_the_convention_and_warns_once(gt, pred, expected):
    with _Records() as messages:
        scores = run_metric(ChangeMetric(), [[(pred, gt)], [(pred, gt)]])
    assert scores['F1'] == (1.0 if not pred.any() else 0.0)  # the documented 0/0 convention
    assert len([m for m in messages if expected in m]) == 1, messages


def test_no_warning_for_a_split_with_changed_pixels():
    gt = np.array([[1, 0], [0, 255]])
    with _Records() as messages:
        run_metric(ChangeMetric(), [[(np.zeros((2, 2), int), gt)]])
    assert not [m for m in messages if 'split' in m], messages
