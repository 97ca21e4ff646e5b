"""End-to-end runs of tools/train.py, tools/test.py and tools/infer.py with a tiny model."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from cdkd.datasets import generate_synthetic_cd

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs/siamese/siamfpn_r18_128x128_500it_synthetic.py')

TINY_MODEL = """
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=[8, 16, 32, 64], channels=16))
"""


def write_config(path, data_root, iters=6, crop=64, extra='', train_split='train/',
                 test_split='test/'):
    """A config inheriting the demo config with a tiny model and a folder dataset at data_root."""
    def dataset(split, pipeline):
        prefix = dict(img_path_from=split + 'A', img_path_to=split + 'B',
                      seg_map_path=split + 'label')
        return (f"dict(_delete_=True, type='BiTemporalCDDataset', data_root={data_root!r}, "
                f"data_prefix={prefix!r}, pipeline={pipeline})")

    text = f"""
_base_ = [{DEMO_CONFIG!r}]
crop_size = ({crop}, {crop})
{TINY_MODEL}
train_pipeline = [
    dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomFlip', prob=0.5), dict(type='PackChangeInputs')]
eval_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                 dict(type='PackChangeInputs')]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset={dataset(train_split, 'train_pipeline')})
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset={dataset(test_split, 'eval_pipeline')})
test_dataloader = val_dataloader
train_cfg = dict(max_iters={iters}, val_interval={iters})
param_scheduler = [dict(type='PolyLR', eta_min=1e-6, power=1.0, begin=0, end={iters},
                        by_epoch=False)]
default_hooks = dict(logger=dict(interval=2), checkpoint=dict(interval={iters}))
{extra}
"""
    with open(path, 'w') as f:
        f.write(text)
    return path


def run_tool(*args, cwd):
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, 'OMP_NUM_THREADS': '2'})
    assert proc.returncode == 0, f'{args[0]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc.stdout + proc.stderr


def read_metrics(work_dir):
    """The metrics of the newest run in work_dir (test runs log them to <timestamp>.json)."""
    runs = sorted(d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d)))
    for run in reversed(runs):
        for path in (osp.join(work_dir, run, f'{run}.json'),
                     osp.join(work_dir, run, 'vis_data', 'scalars.json')):
            if osp.isfile(path):
                with open(path) as f:
                    lines = [json.loads(line) for line in f if line.strip()]
                metric_lines = [line for line in lines if 'F1' in line]
                if metric_lines:
                    return metric_lines[-1]
    raise AssertionError(f'no metrics logged in {work_dir}')


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    generate_synthetic_cd(str(root), dict(train=6, test=3), size=96, seed=3, progress=False)
    return str(root)


def test_train_test_infer_on_synthetic(tmp_path, synthetic_root):
    cfg = write_config(tmp_path / 'tiny.py', synthetic_root)
    work = tmp_path / 'work'
    run_tool('tools/train.py', str(cfg), '--work-dir', str(work), cwd=REPO)
    assert (work / 'last_checkpoint').is_file()
    ckpt = (work / 'last_checkpoint').read_text().strip()
    assert osp.isfile(ckpt) and ckpt.endswith('iter_6.pth')
    assert not [n for n in os.listdir(work) if n.endswith('.tmp')]

    # test.py accepts the work dir and writes predictions and panels.
    out = run_tool('tools/test.py', str(cfg), str(work), '--work-dir', str(tmp_path / 'test'),
                   '--out', str(tmp_path / 'pred'), '--show-dir', str(tmp_path / 'vis'), cwd=REPO)
    metrics = read_metrics(str(tmp_path / 'test'))
    for key in ('OA', 'F1', 'IoU', 'mIoU', 'mF1', 'FP_union', 'FN_union'):
        assert 0.0 <= metrics[key] <= 1.0, (key, metrics)
    assert -1.0 <= metrics['Kappa'] <= 1.0, metrics  # below 0 when worse than chance (6 iters)
    assert abs(metrics['IoU'] + metrics['FP_union'] + metrics['FN_union'] - 1) < 1e-6 or \
        metrics['IoU'] == 1.0
    preds = sorted(os.listdir(tmp_path / 'pred'))
    assert len(preds) == 3
    mask = cv2.imread(str(tmp_path / 'pred' / preds[0]), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (96, 96) and set(np.unique(mask)) <= {0, 255}
    assert sorted(os.listdir(tmp_path / 'vis')) == preds, out[-2000:]  # panels directly there

    # infer.py on two folders, without labels.
    run_tool('tools/infer.py', str(cfg), ckpt, '--dirs', osp.join(synthetic_root, 'test/A'),
             osp.join(synthetic_root, 'test/B'), '--out-dir', str(tmp_path / 'infer'),
             '--overlay', '--save-prob', cwd=REPO)
    written = sorted(os.listdir(tmp_path / 'infer'))
    assert len(written) == 9 and any(n.endswith('_overlay.png') for n in written)
    # The same checkpoint gives the same masks through test.py and infer.py.
    for name in preds:
        a = cv2.imread(str(tmp_path / 'pred' / name), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(str(tmp_path / 'infer' / name), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(a, b), name


def test_resume_continues_from_checkpoint(tmp_path, synthetic_root):
    work = tmp_path / 'work'
    run_tool('tools/train.py', str(write_config(tmp_path / 'a.py', synthetic_root, iters=4)),
             '--work-dir', str(work), cwd=REPO)
    out = run_tool('tools/train.py', str(write_config(tmp_path / 'b.py', synthetic_root, iters=8)),
                   '--work-dir', str(work), '--resume', cwd=REPO)
    assert f'Resuming from {work / "iter_4.pth"}' in out  # cdkd's look-up, in the work dir
    assert 'resumed epoch: 0, iter: 4' in out
    assert (work / 'iter_8.pth').is_file()


def test_unknown_type_is_named(tmp_path, synthetic_root):
    cfg = write_config(tmp_path / 'bad.py', synthetic_root,
                       extra="model = dict(neck=dict(type='NoSuchNeck'))")
    proc = subprocess.run([sys.executable, 'tools/train.py', str(cfg), '--work-dir',
                           str(tmp_path / 'w')], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'NoSuchNeck' in proc.stderr


def test_levir_crops_end_to_end(tmp_path, shared_data):
    """Train briefly and test on the real LEVIR-CD 256 crops, read in place from ../shared/data."""
    root = osp.join(shared_data, 'levir_cd256')
    cfg = write_config(tmp_path / 'levir.py', root, iters=6, crop=128, train_split='',
                       test_split='')
    work = tmp_path / 'work'
    run_tool('tools/train.py', str(cfg), '--work-dir', str(work), cwd=REPO)
    run_tool('tools/test.py', str(cfg), str(work), '--work-dir', str(tmp_path / 'test'), cwd=REPO)
    metrics = read_metrics(str(tmp_path / 'test'))
    assert 0.0 <= metrics['OA'] <= 1.0 and 0.0 <= metrics['F1'] <= 1.0
