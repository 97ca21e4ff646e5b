"""tools/train.py's device options: --amp refused early without CUDA, AMP wrapper, dataloaders."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from cdkd.utils.train_options import (adapt_dataloaders, amp_unavailable_reason, enable_amp,
                                      to_channels_last)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs/siamese/siamfpn_r18_128x128_500it_synthetic.py')


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)


def test_amp_without_cuda_is_explained(no_cuda):
    reason = amp_unavailable_reason('float16')
    assert 'needs a CUDA GPU' in reason and torch.__version__ in reason
    assert 'choose one of' in amp_unavailable_reason('float8')


def test_train_amp_without_cuda_stops_before_building(tmp_path):
    env = {**os.environ, 'CUDA_VISIBLE_DEVICES': '', 'PYTHONPATH': REPO, 'OMP_NUM_THREADS': '1'}
    proc = subprocess.run([sys.executable, 'tools/train.py', DEMO, '--amp', '--work-dir',
                           str(tmp_path / 'work')], cwd=REPO, capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 1
    assert '--amp needs a CUDA GPU' in proc.stderr and 'Traceback' not in proc.stderr
    assert not (tmp_path / 'work').exists()


def test_enable_amp_switches_the_wrapper_once():
    cfg = Config.fromfile(DEMO)
    enable_amp(cfg, 'bfloat16')
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype,
            cfg.optim_wrapper.loss_scale) == ('AmpOptimWrapper', 'bfloat16', 'dynamic')
    assert cfg.optim_wrapper.optimizer.type == Config.fromfile(DEMO).optim_wrapper.optimizer.type
    enable_amp(cfg, 'float16')  # already on: left as configured
    assert cfg.optim_wrapper.dtype == 'bfloat16'


def test_dataloaders_fit_the_machine(no_cuda):
    cfg = Config.fromfile(DEMO)
    assert cfg.train_dataloader.pin_memory and cfg.train_dataloader.persistent_workers
    cfg.merge_from_dict({'val_dataloader.num_workers': 0})
    adapt_dataloaders(cfg)
    assert not cfg.train_dataloader.pin_memory  # no CUDA: nothing to pin for
    assert cfg.train_dataloader.persistent_workers  # workers > 0 keep them
    assert not cfg.val_dataloader.persistent_workers  # torch refuses them at 0 workers
    torch.utils.data.DataLoader([0], num_workers=cfg.val_dataloader.num_workers,
                                persistent_workers=cfg.val_dataloader.persistent_workers)


def test_channels_last_converts_convolutions():
    net = to_channels_last(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)))
    assert net[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not net[0].weight.is_contiguous()
    assert net(torch.rand(1, 3, 8, 8)).is_contiguous(memory_format=torch.channels_last)


def test_tool_configs_get_fitted_dataloaders(no_cuda):
    from cdkd.utils import load_run_config
    cfg = load_run_config(DEMO, cfg_options={'test_dataloader.num_workers': 0})
    assert not cfg.test_dataloader.persistent_workers and not cfg.test_dataloader.pin_memory
