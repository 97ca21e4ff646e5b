"""The SEIFNet/STKDNet schedule reproduces the official per-epoch linear decay."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_lr_is_1e4_times_one_minus_epoch_over_201():
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/schedules/schedule_seifnet_200e.py'))
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                                               weight_decay=0.01)
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-4, weight_decay=0.01)
    (sched_cfg,) = cfg.param_scheduler
    sched = PARAM_SCHEDULERS.build(dict(sched_cfg, optimizer=OptimWrapper(opt)))
    for epoch in range(cfg.train_cfg.max_epochs):
        # official: LambdaLR(lambda e: 1 - e / (max_epochs + 1)), stepped after every epoch
        assert opt.param_groups[0]['lr'] == pytest.approx(1e-4 * (1 - epoch / 201), rel=1e-6)
        sched.step()
    assert cfg.train_cfg == dict(type='EpochBasedTrainLoop', max_epochs=200, val_interval=1)
    assert cfg.default_hooks.checkpoint.save_best == 'mF1'
