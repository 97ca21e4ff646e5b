"""tools/test.py --tta (MultiScaleChangeTTA) and tools/pseudo_label.py end to end, tiny model."""
import importlib.util
import json
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


@pytest.mark.slow
def test_kdmsi_pipeline_end_to_end_and_resume(tmp_path):
    """tools/kdmsi_pipeline.py with tiny nets: all four stages, then a rerun skips them all."""
    data = tmp_path / 'data'
    generate_synthetic_cd(str(data), dict(train=4, test=2), size=64, seed=1, progress=False)
    ds = lambda split, pipe: (  # noqa: E731
        f"dict(_delete_=True, type='BiTemporalCDDataset', data_root={str(data)!r}, "
        f"data_prefix=dict(img_path_from='{split}/A', img_path_to='{split}/B', "
        f"seg_map_path='{split}/label'), pipeline={{{{_base_.{pipe}}}}})")
    loaders = (f"train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, "
               f"dataset=TRAIN)\nval_dataloader = dict(batch_size=2, num_workers=0, "
               f"persistent_workers=False, dataset=EVAL)\ntest_dataloader = val_dataloader\n")
    backbone = ("dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8, "
                "out_indices=(3, ), strides=(1, 2, 2, 1), norm_cfg=dict(type='BN'), init_cfg=None)")
    stage1 = tmp_path / 'stage1.py'
    stage1.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/kdmsi/kdmsi_r18_96x96_20e_synthetic.py')!r}]\n"
        f"model = dict(teacher=dict(backbone={backbone}, in_channels=64),\n"
        f"             student=dict(backbone={backbone}, in_channels=64))\n"
        + loaders.replace('TRAIN', ds('train', 'weak_train_pipeline'))
        .replace('EVAL', ds('train', 'test_pipeline'))
        + "train_cfg = dict(max_epochs=1)\ntta_model = dict(scales=(0.5, 1.0))\n")
    stage2 = tmp_path / 'stage2.py'
    stage2.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/kdmsi/kdmsi-stage2_siamdlv3p_r50_256x256_50e_whucd.py')!r}]\n"  # noqa: E501
        "model = dict(backbone=dict(depth=18, stem_channels=8, base_channels=8),\n"
        "             decode_head=dict(in_channels=64, channels=16, c1_in_channels=8, "
        "c1_channels=8))\n"
        + loaders.replace('TRAIN', ds('train', 'train_pipeline'))
        .replace('EVAL', ds('test', 'test_pipeline'))
        + "train_cfg = dict(max_epochs=1, val_interval=1)\n"
        "default_hooks = dict(checkpoint=dict(interval=1))\n")
    work = tmp_path / 'work'
    args = ('tools/kdmsi_pipeline.py', '--stage1', str(stage1), '--stage2', str(stage2),
            '--work-dir', str(work))
    run_tool(*args, cwd=REPO)
    with open(work / 'results.json') as f:
        results = json.load(f)
    assert {'IoU', 'mF1', 'FP_union', 'FN_union'} <= set(results['stage2_test'])
    assert len(os.listdir(work / 'pseudo_labels' / 'label')) == 4
    log = run_tool(*args, cwd=REPO)
    assert log.count('done before, skipped') == 4


def test_pseudo_label_tool_loads_strictly(tiny_setup, tmp_path, monkeypatch):
    root, config, cfg, ckpt = tiny_setup
    state = torch.load(ckpt, weights_only=False)['state_dict']
    del state['decode_head.conv_seg.bias']
    torch.save(dict(state_dict=state), tmp_path / 'partial.pth')
    spec = importlib.util.spec_from_file_location('pseudo_label_tool',
                                                  osp.join(REPO, 'tools/pseudo_label.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', ['pseudo_label.py', config, str(tmp_path / 'partial.pth'),
                                      '--out-dir', str(tmp_path / 'out'), '--threshold', '0.5'])
    with pytest.raises(ValueError, match=r'partial\.pth does not fit .* missing from the '
                                         r'checkpoint: decode_head\.conv_seg\.bias'):
        tool.main()
    assert not (tmp_path / 'out' / 'label').exists()
