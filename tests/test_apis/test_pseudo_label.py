import json
import os.path as osp

import cv2
import numpy as np
import pytest

from cdkd.apis import (choose_threshold, gate_by_image_labels, pseudo_label,
                       sweep_pseudo_label_thresholds, write_pseudo_labels, write_report)
from cdkd.datasets.transforms import ImageLevelChangeLabel


def test_argmax_semantics_tie_goes_to_background():
    prob = np.array([[0.2, 0.3, 0.31, 0.9]], np.float32)
    np.testing.assert_array_equal(pseudo_label(prob, 0.3), [[0, 0, 255, 255]])
    np.testing.assert_array_equal(pseudo_label(prob, 0.0), [[255, 255, 255, 255]])
    assert pseudo_label(prob, 0.3).dtype == np.uint8


def test_sweep_picks_best_miou_and_writes_labels(tmp_path):
    gt = np.array([[0, 0, 1, 1]], np.uint8)
    results = dict(a=dict(prob=np.array([[0.1, 0.3, 0.6, 0.45]], np.float16), gt=gt))
    scores = sweep_pseudo_label_thresholds(results)
    assert set(scores) == {round(0.05 * i, 6) for i in range(18)}  # 0.00 .. 0.85, official
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


def test_no_change_image_gets_all_background_and_sweep_uses_gated_maps(tmp_path):
    """The official MSI gives no map to image-label-0 images: their pseudo label is all zero."""
    changed = np.array([[0, 1, 1, 0]], np.uint8)
    results = dict(
        c=dict(prob=np.array([[0.2, 0.8, 0.7, 0.1]], np.float16), gt=changed),
        n=dict(prob=np.full((1, 4), 0.9, np.float16), gt=np.zeros((1, 4), np.uint8)))
    ungated = sweep_pseudo_label_thresholds({k: dict(v) for k, v in results.items()})
    gate_by_image_labels(results, ImageLevelChangeLabel())
    assert [results[k]['image_label'] for k in 'cn'] == [1, 0]
    scores = sweep_pseudo_label_thresholds(results)
    best = choose_threshold(scores)
    assert scores[best]['mIoU'] == 1.0 and ungated[choose_threshold(ungated)]['mIoU'] < 1.0
    label_dir = write_pseudo_labels(results, 0.0, str(tmp_path), progress=False)
    assert not cv2.imread(osp.join(label_dir, 'n.png'), 0).any()  # even at threshold 0
    assert cv2.imread(osp.join(label_dir, 'c.png'), 0).all()


def test_gating_from_a_label_list_without_masks(tmp_path):
    path = tmp_path / 'labels.csv'
    path.write_text('a,0\nb,1\n')
    results = {k: dict(prob=np.full((2, 2), 0.6, np.float16), gt=None) for k in 'ab'}
    gate_by_image_labels(results, ImageLevelChangeLabel(label_file=str(path)))
    assert not results['a']['prob'].any() and results['b']['prob'].min() == np.float16(0.6)
    with pytest.raises(ValueError, match='--image-labels'):
        gate_by_image_labels({'a': dict(prob=np.zeros((1, 1)), gt=None)}, ImageLevelChangeLabel())
    with pytest.raises(KeyError, match="'c'"):
        gate_by_image_labels({'c': dict(prob=np.zeros((1, 1)), gt=None)}, {'a': 1})
