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
    argv = ['pseudo_label.py', config, ckpt, '--out-dir', str(out), '--threshold', '0.5']
    monkeypatch.setattr(sys, 'argv', argv)
    with pytest.raises(KeyError, match='--image-labels'):  # no ImageLevelChangeLabel to gate by
        tool.main()
    monkeypatch.setattr(sys, 'argv', argv + ['--no-gating'])
    tool.main()
    expected = expected_tta_masks(cfg, ckpt, 'train')
    assert sorted(os.listdir(out / 'label')) == sorted(f'{n}.png' for n in expected)
    for name, mask in expected.items():
        np.testing.assert_array_equal(cv2.imread(str(out / 'label' / f'{name}.png'), 0), mask)
    assert (out / 'pseudo_label_report.md').is_file()
    # gated by an image-label list, at threshold 0: the label-0 image gets an all-background
    # label, the others all change (an ungated sigmoid map is > 0 everywhere)
    names = sorted(expected)
    labels = root / 'labels.csv'
    labels.write_text(''.join(f'{n},{int(i > 0)}\n' for i, n in enumerate(names)))
    gated = root / 'pseudo_gated'
    monkeypatch.setattr(sys, 'argv', ['pseudo_label.py', config, ckpt, '--out-dir', str(gated),
                                      '--threshold', '0.0', '--image-labels', str(labels)])
    tool.main()
    assert not cv2.imread(str(gated / 'label' / f'{names[0]}.png'), 0).any()
    for name in names[1:]:
        assert cv2.imread(str(gated / 'label' / f'{name}.png'), 0).all()
    assert 'gated by image labels' in (gated / 'pseudo_label_report.md').read_text()


@pytest.mark.slow
def test_kdmsi_pipeline_end_to_end_and_resume(tmp_path):
    """tools/kdmsi_pipeline.py with tiny nets: all four stages, then a rerun skips them all."""
    data = tmp_path / 'data'
    generate_synthetic_cd(str(data), dict(train=4, test=2), size=64, seed=1, progress=False)
    ds = lambda split, pipe: (  # noqa: E731
        f"dict(_delete_=True, type='BiTemporalCDDataset', data_root={str(data)!r}, "
        f"data_prefix=dict(img_path_from='{split}/A', img_path_to='{split}/B', "
        f"seg_map_path='{split}/label'), pipeline={{{{_base_.{pipe}}}}})")
    loaders = ("train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, "
               "dataset=TRAIN)\nval_dataloader = dict(batch_size=2, num_workers=0, "
               "persistent_workers=False, dataset=EVAL)\ntest_dataloader = val_dataloader\n")
    backbone = ("dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8, "
                "out_indices=(3, ), strides=(1, 2, 2, 1), norm_cfg=dict(type='BN'), init_cfg=None)")
    stage1 = tmp_path / 'stage1.py'
    stage1.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/kdmsi/kdmsi_r18_96x96_20e_synthetic.py')!r}]\n"
        f"model = dict(teacher=dict(backbone={backbone}, in_channels=64),\n"
        f"             student=dict(backbone={backbone}, in_channels=64))\n"
        + loaders.replace('TRAIN', ds('train', 'weak_train_pipeline'))
        .replace('EVAL', ds('train', 'weak_eval_pipeline'))
        + "train_cfg = dict(max_epochs=1)\ntta_model = dict(scales=(0.5, 1.0))\n")
    stage2 = tmp_path / 'stage2.py'
    stage2.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/kdmsi/kdmsi-stage2_siamdlv3p_r50_256x256_50e_whucd.py')!r}]\n"  # noqa: E501
        "model = dict(backbone=dict(depth=18, stem_channels=8, base_channels=8, init_cfg=None),\n"
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
    assert results['stage2_test_tta'] is True  # the official multiscale logit-sum test
    log = run_tool(*args, cwd=REPO)
    assert log.count('done before, skipped') == 4


@pytest.mark.slow
def test_kdmsi_pipeline_official_profile_on_real_levir_samples(tmp_path, shared_data):
    """The shipped LEVIR-CD configs (official profile: gated selection and pseudo labels, no
    augmentation, effective-momentum SGD, official MSI, PlainASPPPlusHead stage 2, logit-sum
    test), with tiny random-init nets and one epoch each, on the real levir_cd256 pairs read in
    place (train and test on the same 11 pairs: a mechanics test, not a benchmark)."""
    root = osp.join(shared_data, 'levir_cd256')
    data = (f"dict(data_root={root!r}, data_prefix=dict(img_path_from='A', img_path_to='B', "
            "seg_map_path='label'))")
    loaders = (f"train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False, "
               f"dataset={data})\nval_dataloader = dict(batch_size=4, num_workers=0, "
               f"persistent_workers=False, dataset={data})\ntest_dataloader = val_dataloader\n")
    tiny = "depth=18, stem_channels=8, base_channels=8, init_cfg=None"
    stage1 = tmp_path / 'stage1.py'
    stage1.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/kdmsi/kdmsi_r50_256x256_20e_levircd.py')!r}]\n"
        f"model = dict(teacher=dict(backbone=dict({tiny}), in_channels=64),\n"
        f"             student=dict(backbone=dict({tiny}), in_channels=64))\n"
        + loaders + "train_cfg = dict(max_epochs=1)\n")
    stage2 = tmp_path / 'stage2.py'
    stage2.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/kdmsi/kdmsi-stage2_siamdlv3p_r50_256x256_50e_levircd.py')!r}]\n"  # noqa: E501
        f"model = dict(backbone=dict({tiny}),\n"
        "             decode_head=dict(in_channels=64, channels=16, c1_in_channels=8, "
        "c1_channels=8))\n"
        + loaders + "train_cfg = dict(max_epochs=1, val_interval=1)\n")
    work = tmp_path / 'work'
    run_tool('tools/kdmsi_pipeline.py', '--stage1', str(stage1), '--stage2', str(stage2),
             '--work-dir', str(work), cwd=REPO)
    with open(work / 'results.json') as f:
        results = json.load(f)
    assert results['stage2_test_tta'] is True
    assert {'IoU', 'mF1', 'FP_union', 'FN_union'} <= set(results['stage2_test'])
    report = (work / 'pseudo_labels' / 'pseudo_label_report.md').read_text()
    assert 'gated by image labels (from the masks: 1 of 11 images have label 0)' in report
    labels = sorted(os.listdir(work / 'pseudo_labels' / 'label'))
    assert len(labels) == 11
    no_change = [n for n in labels if not cv2.imread(osp.join(root, 'label', n), 0).any()]
    assert len(no_change) == 1
    assert not cv2.imread(str(work / 'pseudo_labels' / 'label' / no_change[0]), 0).any()


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
