import json
import os.path as osp

import cv2
import numpy as np
import pytest

from cdkd.apis import (choose_threshold, pseudo_label, sweep_pseudo_label_thresholds,
                       write_pseudo_labels, write_report)


def test_argmax_semantics_tie_goes_to_background():
    prob = np.array([[0.2, 0.3, 0.31, 0.9]], np.float32)
    np.testing.assert_array_equal(pseudo_label(prob, 0.3), [[0, 0, 255, 255]])
    np.testing.assert_array_equal(pseudo_label(prob, 0.0), [[255, 255, 255, 255]])
    assert pseudo_label(prob, 0.3).dtype == np.uint8


def test_sweep_picks_best_miou_and_writes_labels(tmp_path):
    gt = np.array([[0, 0, 1, 1]], np.uint8)
    results = dict(a=dict(prob=np.array([[0.1, 0.3, 0.6, 0.45]], np.float16), gt=gt))
    scores = sweep_pseudo_label_thresholds(results)
    assert set(scores) == {round(0.05 * i, 6) for i in range(19)}
    best = choose_threshold(scores)
    assert 0.3 <= best < 0.45 and scores[best]['mIoU'] == 1.0
    label_dir = write_pseudo_labels(results, best, str(tmp_path), progress=False)
    np.testing.assert_array_equal(cv2.imread(osp.join(label_dir, 'a.png'), 0), gt * 255)
    write_report(str(tmp_path), best, scores, 'test')
    with open(tmp_path / 'pseudo_label_report.json') as f:
        assert json.load(f)['threshold'] == best
    assert '**<-**' in (tmp_path / 'pseudo_label_report.md').read_text()
    assert sorted(p.name for p in (tmp_path / 'label').iterdir()) == ['a.png']


def test_sweep_without_masks_is_an_error():
    with pytest.raises(ValueError, match='no mask'):
        sweep_pseudo_label_thresholds(dict(a=dict(prob=np.zeros((2, 2), np.float16), gt=None)))
