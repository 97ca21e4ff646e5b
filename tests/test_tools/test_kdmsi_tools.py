"""tools/test.py --tta (MultiScaleChangeTTA) and tools/pseudo_label.py end to end, tiny model."""
import importlib.util
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from cdkd.datasets import generate_synthetic_cd
from cdkd.registry import MODELS
from tests.test_tools.test_train_test_infer import read_metrics, run_tool, write_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TTA = """
model = dict(decode_head=dict(out_channels=1, threshold=0.5,
             loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)))
tta_model = dict(type='MultiScaleChangeTTA', mode='msi', scales=(0.5, 1.0), flip=True)
"""


@pytest.fixture(scope='module')
def tiny_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('kdmsi_tools')
    data = root / 'data'
    generate_synthetic_cd(str(data), dict(train=3, test=2), size=64, seed=5, progress=False)
    config = write_config(str(root / 'cfg.py'), str(data), crop=64, extra=TTA)
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    for m in model.modules():  # non-trivial BN statistics, so a failed load would show
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
    ckpt = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    return root, config, cfg, ckpt


def expected_tta_masks(cfg, ckpt, split):
    """MSI masks computed in process from the same checkpoint."""
    tta_cfg = cfg.tta_model.copy()
    tta_cfg['module'] = cfg.model
    tta = MODELS.build(tta_cfg).eval()
    tta.module.load_state_dict(torch.load(ckpt, weights_only=False)['state_dict'])
    from mmengine.runner import Runner
    loader_cfg = cfg.test_dataloader.copy()
    if split == 'train':
        loader_cfg['dataset'] = cfg.train_dataloader.dataset.copy()
        loader_cfg['dataset']['pipeline'] = cfg.test_dataloader.dataset.pipeline
    masks = {}
    with torch.no_grad():
        for batch in Runner.build_dataloader(loader_cfg):
            for sample in tta.test_step(batch):
                masks[sample.sample_name] = (sample.pred_sem_seg.data[0].numpy() * 255)
    return masks


def test_test_tool_tta_end_to_end(tiny_setup):
    root, config, cfg, ckpt = tiny_setup
    out = root / 'tta_masks'
    run_tool('tools/test.py', config, ckpt, '--tta', '--out', str(out), '--work-dir',
             str(root / 'test_tta'), cwd=REPO)
    metrics = read_metrics(str(root / 'test_tta'))
    assert 0.0 <= metrics['IoU'] <= 1.0 and 'FP_union' in metrics
    expected = expected_tta_masks(cfg, ckpt, 'test')
    assert sorted(os.listdir(out)) == sorted(f'{n}.png' for n in expected)
    for name, mask in expected.items():
        np.testing.assert_array_equal(cv2.imread(str(out / f'{name}.png'), 0), mask)


def test_pseudo_label_tool(tiny_setup, monkeypatch):
    """In process (the CLI is the same code path) to keep the suite fast."""
    root, config, cfg, ckpt = tiny_setup
    out = root / 'pseudo'
    spec = importlib.util.spec_from_file_location('pseudo_label_tool',
                                                  osp.join(REPO, 'tools/pseudo_label.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', ['pseudo_label.py', config, ckpt, '--out-dir', str(out),
                                      '--threshold', '0.5'])
    tool.main()
    expected = expected_tta_masks(cfg, ckpt, 'train')
    assert sorted(os.listdir(out / 'label')) == sorted(f'{n}.png' for n in expected)
    for name, mask in expected.items():
        np.testing.assert_array_equal(cv2.imread(str(out / 'label' / f'{name}.png'), 0), mask)
    assert (out / 'pseudo_label_report.md').is_file()
