import os.path as osp

import cv2
import numpy as np
import pytest

from tools.preprocess_hetero import main


def test_cli_writes_layout_and_exits_with_message_on_bad_scene(tmp_path, capsys):
    src = tmp_path / 'in'
    src.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(src / 's_A.png'), rng.integers(1, 255, (64, 64, 3), dtype=np.uint8))
    cv2.imwrite(str(src / 's_B.png'), rng.integers(1, 255, (64, 64), dtype=np.uint8))
    cv2.imwrite(str(src / 's_E.png'), np.zeros((64, 64), np.uint8))
    main([str(src), str(tmp_path / 'out'), '--patch-size', '32'])
    out = capsys.readouterr().out
    # official defaults: stride 16 -> 3 x 3 tiles, 80/20, test = a copy of val
    assert "kept 1/1 scenes, 11 patches {'train': 7, 'val': 2, 'test': 2}" in out, out
    assert 'test = a copy of val' in out
    main([str(src), str(tmp_path / 'legacy'), '--patch-size', '32', '--stride', '32',
          '--no-pad-edges', '--no-dedup', '--black-level', '0', '--black-roles', 'all',
          '--disjoint-test', '--ratios', '0.5', '0.25', '0.25', '--split-method', 'random',
          '--seed', '0'])
    out = capsys.readouterr().out
    assert 'kept 1/1 scenes, 4 patches' in out and 'not comparable' in out
    assert osp.isfile(tmp_path / 'legacy/train/A/s_r0_c0.png')
    cv2.imwrite(str(src / 't_A.png'), np.ones((64, 64, 3), np.uint8))
    cv2.imwrite(str(src / 't_B.png'), np.ones((60, 64), np.uint8))
    cv2.imwrite(str(src / 't_E.png'), np.zeros((64, 64), np.uint8))
    with pytest.raises(SystemExit, match="error: scene 't' is not georeferenced"):
        main([str(src), str(tmp_path / 'out2')])
