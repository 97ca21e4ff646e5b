"""tools/dist_train.sh / dist_test.sh: 2 gloo processes on CPU (torchrun + mmengine launcher)."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

from cdkd.datasets import generate_synthetic_cd
from tests.test_tools.test_train_test_infer import read_metrics, run_tool, write_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def run_dist(script, *args, cwd):
    env = {**os.environ, 'PYTHON': sys.executable, 'PORT': free_port(), 'OMP_NUM_THREADS': '1'}
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', script), *args], cwd=cwd,
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, f'{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'


@pytest.mark.slow  # three torchrun/tool launches: about 75 s on 2 shared cores
def test_ddp_checkpoint_and_metric_over_ranks_equal_single_process(tmp_path):
    data_root = tmp_path / 'data'
    # 3 test pairs over 2 ranks: the sampler pads rank 1 with a repeat that must not be counted.
    generate_synthetic_cd(str(data_root), dict(train=4, test=3), size=64, seed=5, progress=False)
    config = write_config(str(tmp_path / 'tiny.py'), str(data_root), iters=2, crop=64)
    run_dist('dist_train.sh', config, '2', '--work-dir', str(tmp_path / 'ddp'), cwd=tmp_path)
    ckpt = str(tmp_path / 'ddp' / 'iter_2.pth')
    assert osp.isfile(ckpt)

    # The DDP checkpoint loads in a single process (no 'module.' prefixes left behind).
    run_tool(osp.join(REPO, 'tools', 'test.py'), config, ckpt, '--work-dir',
             str(tmp_path / 'single'), cwd=tmp_path)
    single = read_metrics(str(tmp_path / 'single'))
    run_dist('dist_test.sh', config, ckpt, '2', '--work-dir', str(tmp_path / 'dist'), cwd=tmp_path)
    dist = read_metrics(str(tmp_path / 'dist'))
    keys = [k for k in single if k.split('/')[-1] in ('F1', 'IoU', 'OA', 'Precision', 'Recall',
                                                      'Kappa')]
    assert len(keys) == 6
    for key in keys:
        assert dist[key] == pytest.approx(single[key], abs=1e-9), key
