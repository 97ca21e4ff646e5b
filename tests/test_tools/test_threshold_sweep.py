"""tools/analysis_tools/threshold_sweep.py: the sweep counts exactly, and on a model it agrees with
the probabilities tools/test.py scores."""
import json

import cv2
import numpy as np
import pytest

from cdkd.apis import change_probability, inference_model, init_model
from tests.test_tools.test_compression_tools import load_tool
from tests.test_tools.test_infer_scene_export_tools import tiny_checkpoint  # noqa: F401

TOOL = 'tools/analysis_tools/threshold_sweep.py'


def test_sweep_counts_against_a_hand_computation():
    tool = load_tool(TOOL)
    prob = np.array([0.05, 0.3, 0.6, 0.9, 0.2, 0.7])
    gt = np.array([0, 1, 1, 1, 0, 0])
    bins = (prob * tool.BINS).astype(int)
    change = np.bincount(bins[gt == 1], minlength=tool.BINS)
    unchanged = np.bincount(bins[gt == 0], minlength=tool.BINS)
    low, high = tool.sweep(change, unchanged, [0.25, 0.65])
    # 0.25: tp 3 (0.3, 0.6, 0.9), fp 1 (0.7), fn 0; 0.65: tp 1, fp 1, fn 2
    assert (low['precision'], low['recall'], low['F1'], low['IoU']) == (0.75, 1.0, 6 / 7, 0.75)
    assert (high['precision'], high['recall'], high['F1'], high['IoU']) == (0.5, 1 / 3, 0.4, 0.25)


def test_tool_on_a_model(tmp_path, tiny_checkpoint, capsys):  # noqa: F811
    config, ckpt = tiny_checkpoint
    tool = load_tool(TOOL)
    rng = np.random.default_rng(0)
    for sub in ('A', 'B', 'label'):
        (tmp_path / sub).mkdir()
    for i in range(3):
        for sub in ('A', 'B'):
            cv2.imwrite(str(tmp_path / sub / f'{i}.png'),
                        rng.integers(0, 256, (64, 64, 3), np.uint8))
        cv2.imwrite(str(tmp_path / 'label' / f'{i}.png'),
                    (rng.random((64, 64)) > 0.7).astype(np.uint8) * 255)
    dirs = [str(tmp_path / s) for s in ('A', 'B', 'label')]
    out = tmp_path / 'sweep.json'
    rows = tool.main([config, ckpt, '--dirs', *dirs, '--thresholds', '0.3', '0.5',
                      '--out', str(out)])
    model = init_model(config, ckpt)
    probs = [change_probability(inference_model(model, [f'{dirs[0]}/{i}.png',
                                                        f'{dirs[1]}/{i}.png'])) for i in range(3)]
    gts = [cv2.imread(f'{dirs[2]}/{i}.png', 0) > 0 for i in range(3)]
    for row in rows:
        pred = [p >= row['threshold'] for p in probs]
        tp = sum((p & g).sum() for p, g in zip(pred, gts))
        fp = sum((p & ~g).sum() for p, g in zip(pred, gts))
        fn = sum((~p & g).sum() for p, g in zip(pred, gts))
        assert row['F1'] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=2e-3)
    assert json.loads(out.read_text())['model_threshold'] == 0.5
    assert '| 0.5 (model)' in capsys.readouterr().out
    with pytest.raises(SystemExit):  # never overwrites
        tool.parse_args([config, ckpt, '--dirs', *dirs, '--out', str(out)])
    with pytest.raises(SystemExit):
        tool.parse_args([config, ckpt, '--dirs', *dirs, '--thresholds', '0.0005'])
    (tmp_path / 'B' / '2.png').unlink()
    with pytest.raises(FileNotFoundError, match='pairs without an image: .*B/2.png'):
        tool.main([config, ckpt, '--dirs', *dirs])
