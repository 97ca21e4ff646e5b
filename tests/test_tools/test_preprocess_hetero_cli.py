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
    main([str(src), str(tmp_path / 'out'), '--patch-size', '32', '--ratios', '0.5', '0.25', '0.25'])
    assert 'kept 1/1 scenes, 4 patches' in capsys.readouterr().out
    assert osp.isfile(tmp_path / 'out/train/A/s_r0_c0.png')
    cv2.imwrite(str(src / 't_A.png'), np.ones((64, 64, 3), np.uint8))
    cv2.imwrite(str(src / 't_B.png'), np.ones((60, 64), np.uint8))
    cv2.imwrite(str(src / 't_E.png'), np.zeros((64, 64), np.uint8))
    with pytest.raises(SystemExit, match="error: scene 't' is not georeferenced"):
        main([str(src), str(tmp_path / 'out2')])
