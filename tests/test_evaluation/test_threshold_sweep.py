import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.evaluation import (ThresholdSweepMetric, confusion_matrix, sweep_confusion,
                             threshold_grid)


def test_grid():
    assert threshold_grid(0.1, 0.95) == tuple(round(0.1 + 0.05 * i, 6) for i in range(18))
    assert threshold_grid(0.0, 0.9)[-1] == 0.9 and len(threshold_grid(0.0, 0.9)) == 19


def test_sweep_matches_confusion_matrix_per_threshold():
    torch.manual_seed(0)
    prob = torch.rand(16, 16)
    gt = (torch.rand(16, 16) > 0.6).long()
    gt[0, :4] = 255
    thresholds = (0.0, 0.25, 0.5, 0.75)
    cms = sweep_confusion(prob, gt, thresholds)
    for t, cm in zip(thresholds, cms):
        np.testing.assert_array_equal(cm, confusion_matrix((prob > t).long(), gt, 2, 255))


def test_metric_reports_best_threshold_and_softmax_for_two_channels():
    gt = torch.tensor([[0, 0, 1, 1]])
    prob = torch.tensor([[0.1, 0.4, 0.6, 0.3]])
    logits2 = torch.stack([torch.zeros_like(prob), torch.logit(prob)])  # softmax[1] == prob
    for seg_logits in (prob[None], logits2):
        metric = ThresholdSweepMetric(thresholds=(0.2, 0.35, 0.5))
        sample = SegDataSample(seg_logits=PixelData(data=seg_logits),
                               gt_sem_seg=PixelData(data=gt[None]))
        metric.process({}, [sample.to_dict()])
        out = metric.compute_metrics(metric.results)
        # t=0.2: TP 2, FP 1 -> 2/3; t=0.35: TP 1, FP 1, FN 1 -> 1/3; t=0.5: 1/2
        assert out['IoU'] == pytest.approx(2 / 3, abs=1e-5)
        assert out['IoU_threshold'] == 0.2
        assert out['at_best/FP_union'] == pytest.approx(1 / 3, abs=1e-5)


def test_sweep_warns_once_when_the_split_has_no_changed_pixel():
    from tests.test_evaluation.test_change_metric import _Records
    metric = ThresholdSweepMetric(thresholds=(0.2, 0.5))
    for _ in range(2):
        sample = SegDataSample(seg_logits=PixelData(data=torch.full((1, 2, 2), 0.1)),
                               gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2, dtype=torch.long)))
        metric.process({}, [sample.to_dict()])
    with _Records() as messages:
        out = metric.compute_metrics(metric.results)
    assert out['IoU'] == 1.0  # 0/0 convention, kept
    assert len([m for m in messages if 'has no changed pixel' in m]) == 1, messages


def test_image_label_gating_removes_false_positives_of_no_change_images():
    gt_no_change = torch.zeros(1, 4, dtype=torch.long)
    gt_change = torch.tensor([[0, 0, 1, 1]])
    prob_bad = torch.full((1, 4), 0.9)  # a confident false alarm on a no-change image
    prob_good = torch.tensor([[0.1, 0.1, 0.8, 0.8]])

    def run(gating, with_label=True):
        metric = ThresholdSweepMetric(thresholds=(0.5, ), image_label_gating=gating)
        for prob, gt, y in ((prob_bad, gt_no_change, 0), (prob_good, gt_change, 1)):
            sample = SegDataSample(seg_logits=PixelData(data=prob[None]),
                                   gt_sem_seg=PixelData(data=gt[None]))
            if with_label:
                sample.gt_image_label = torch.tensor(y)
            metric.process({}, [sample.to_dict()])
        return metric.compute_metrics(metric.results)

    assert run(True)['IoU'] == pytest.approx(1.0) and run(True)['at_best/FP_union'] == 0
    assert run(False)['IoU'] == pytest.approx(2 / 6)
    with pytest.raises(KeyError, match='ImageLevelChangeLabel'):
        run(True, with_label=False)
