"""ChangeVisualizationHook with a fake runner and within a minimal mmengine Runner (--show-dir)."""
import os
import os.path as osp
import uuid

import cv2
import numpy as np
import pytest
import tifffile
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.engine import ChangeVisualizationHook
from cdkd.registry import HOOKS, VISUALIZERS


def write_pair(root, name, size=8):
    """A (RGB PNG) and B (13-band uint16 GeoTIFF-like TIFF) of one sample."""
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    os.makedirs(osp.join(root, 'A'), exist_ok=True)
    os.makedirs(osp.join(root, 'B'), exist_ok=True)
    a = osp.join(root, 'A', f'{name}.png')
    b = osp.join(root, 'B', f'{name}.tif')
    cv2.imwrite(a, rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    tifffile.imwrite(b, rng.integers(0, 4000, (size, size, 13), dtype=np.uint16),
                     photometric='minisblack', planarconfig='contig')  # bands last (YXS)
    return [a, b]


def make_output(img_paths, name, size=8):
    s = SegDataSample()
    gt = torch.zeros(1, size, size, dtype=torch.long)
    gt[..., : size // 2] = 1  # left half changed
    s.gt_sem_seg = PixelData(data=gt)
    s.pred_sem_seg = PixelData(data=gt.flip(-1))
    s.set_metainfo(dict(img_paths=img_paths, sample_name=name))
    return s


def build_visualizer(save_dir):
    return VISUALIZERS.build(
        dict(type='ChangeLocalVisualizer', name=f'vis_{uuid.uuid4().hex}', save_dir=save_dir,
             vis_backends=[dict(type='LocalVisBackend')]))


class FakeRunner:
    iter = 5


def vis_files(save_dir):
    folder = osp.join(save_dir, 'vis_data', 'vis_image')
    return sorted(os.listdir(folder)) if osp.isdir(folder) else []


def test_registered():
    assert HOOKS.get('ChangeVisualizationHook') is ChangeVisualizationHook


def test_hook_writes_rows_with_fake_runner(tmp_path):
    save_dir = str(tmp_path / 'vis')
    vis = build_visualizer(save_dir)
    hook = ChangeVisualizationHook(draw=True, interval=1)
    assert hook._visualizer is vis
    outputs = [make_output(write_pair(str(tmp_path), n), n) for n in ('s0', 's1')]
    hook.after_test_iter(FakeRunner(), 0, {}, outputs)
    hook.after_val_iter(FakeRunner(), 0, {}, outputs[:1])
    assert vis_files(save_dir) == ['test_s0_5.png', 'test_s1_5.png', 'val_s0_5.png']
    row = cv2.imread(osp.join(save_dir, 'vis_data', 'vis_image', 'test_s0_5.png'))
    cap = vis.caption_height_for(8)
    assert row.shape == (cap + 8, 4 * 8 + 3 * vis.separator_width, 3)


def test_hook_respects_draw_interval_and_train(tmp_path):
    save_dir = str(tmp_path / 'vis')
    build_visualizer(save_dir)
    outputs = [make_output(write_pair(str(tmp_path), 's0'), 's0')]
    with pytest.warns(UserWarning, match='draw=False'):
        off = ChangeVisualizationHook(draw=False, interval=1)
    off.after_test_iter(FakeRunner(), 0, {}, outputs)
    every2 = ChangeVisualizationHook(draw=True, interval=2)
    every2.after_val_iter(FakeRunner(), 0, {}, outputs)  # val batch 1 of 2: skipped
    every2._after_iter(FakeRunner(), 0, {}, outputs, mode='train')
    assert vis_files(save_dir) == []
    every2.after_val_iter(FakeRunner(), 1, {}, outputs)
    assert vis_files(save_dir) == ['val_s0_5.png']
    every2.after_test_iter(FakeRunner(), 0, {}, outputs)  # testing draws every sample
    assert vis_files(save_dir) == ['test_s0_5.png', 'val_s0_5.png']


class PairDataset(torch.utils.data.Dataset):
    metainfo = dict(classes=('unchanged', 'changed'), palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self, root, names):
        self.items = [(write_pair(root, n), n) for n in names]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        paths, name = self.items[i]
        sample = make_output(paths, name)
        del sample.pred_sem_seg
        return dict(inputs=torch.zeros(16, 8, 8), data_samples=sample)


class CopyGtModel(BaseModel):
    """Predicts the ground truth mirrored left-right (half right, half wrong)."""

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        for s in data_samples:
            s.pred_sem_seg = PixelData(data=s.gt_sem_seg.data.flip(-1))
        return data_samples


def test_hook_out_dir_writes_test_panels_directly(tmp_path):
    save_dir, out_dir = str(tmp_path / 'vis'), str(tmp_path / 'panels')
    build_visualizer(save_dir)
    hook = ChangeVisualizationHook(draw=True, interval=1, out_dir=out_dir)
    outputs = [make_output(write_pair(str(tmp_path), n), n) for n in ('s0', 's1')]
    hook.after_test_iter(FakeRunner(), 0, {}, outputs)
    hook.after_val_iter(FakeRunner(), 0, {}, outputs[:1])  # validation: the backends
    assert sorted(os.listdir(out_dir)) == ['s0.png', 's1.png']
    assert vis_files(save_dir) == ['val_s0_5.png']


def test_show_dir_flow_in_runner(tmp_path):
    """tools/test.py --show-dir DIR (its trigger_visualization_hook): the panels land directly in
    DIR as <sample name>.png, where the README says, not in DIR/vis_data/vis_image."""
    from argparse import Namespace

    from mmengine.config import Config

    from tests.test_tools.test_infer_scene_export_tools import load_tool
    show_dir = str(tmp_path / 'show')
    cfg = Config(dict(
        default_hooks=dict(visualization=dict(type='ChangeVisualizationHook', interval=1)),
        visualizer=dict(type='ChangeLocalVisualizer', name=f'vis_{uuid.uuid4().hex}',
                        vis_backends=[dict(type='LocalVisBackend')])))
    cfg = load_tool('test').trigger_visualization_hook(
        cfg, Namespace(show=False, show_dir=show_dir, wait_time=2))
    default_hooks, visualizer = cfg.default_hooks.to_dict(), cfg.visualizer.to_dict()
    runner = Runner(
        model=CopyGtModel(),
        work_dir=str(tmp_path / 'work'),
        test_dataloader=dict(
            dataset=PairDataset(str(tmp_path / 'data'), ['t0', 't1', 't2']),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2, num_workers=0),
        test_cfg=dict(type='TestLoop'),
        test_evaluator=dict(type='ChangeMetric'),
        default_hooks=default_hooks,
        visualizer=visualizer,
        default_scope='cdkd')
    metrics = runner.test()
    assert sorted(os.listdir(show_dir)) == ['t0.png', 't1.png', 't2.png']
    assert metrics['IoU'] == pytest.approx(0.0) and metrics['OA'] == pytest.approx(0.0)
