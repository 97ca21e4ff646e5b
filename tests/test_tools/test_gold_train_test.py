"""End to end: tools/train.py trains GOLD on A + B + C, tools/test.py scores and draws the
student from A + B, tools/infer.py predicts from an optical/SAR pair (tiny model, tiny scenes)."""
import os
import os.path as osp

import cv2

from tests.test_tools.test_train_test_infer import read_metrics, run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GOLD_CONFIG = osp.join(REPO, 'configs/gold/gold_r18_128x128_500it_synthetichetero.py')
SIZE = 64


def write_gold_config(path, data_root, iters=4):
    splits = dict(train=4, val=2, test=2)
    data = f'data_root={data_root!r}, splits={splits!r}, size={SIZE}'
    text = f"""
_base_ = [{GOLD_CONFIG!r}]
tiny = dict(stem_channels=8, base_channels=8)
model = dict(backbone=tiny, backbone_t2=tiny, teacher_backbone_t2=tiny,
             attention=dict(in_channels=64, reduction=4),
             decode_head=dict(in_channels=[8, 16, 32, 64], channels=16), iters_per_epoch=2)
train_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                  dict(type='MultiImgRandomCrop', crop_size=({SIZE}, {SIZE})),
                  dict(type='PackChangeInputs')]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict({data}, pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict({data}))
test_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict({data}))
train_cfg = dict(max_iters={iters}, val_interval={iters})
param_scheduler = [dict(type='PolyLR', eta_min=1e-6, power=1.0, begin=0, end={iters},
                        by_epoch=False)]
default_hooks = dict(logger=dict(interval=2), checkpoint=dict(interval={iters}))
"""
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def test_gold_train_test_infer(tmp_path):
    config = write_gold_config(tmp_path / 'gold_tiny.py', str(tmp_path / 'data'))
    work_dir = str(tmp_path / 'work')
    out = run_tool('tools/train.py', config, '--work-dir', work_dir, cwd=REPO)
    assert 'weight_cd' in out and 'kd_att' in out  # GOLD's task weights and terms are logged
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))

    out = run_tool('tools/test.py', config, work_dir, '--work-dir', work_dir,
                   '--out', str(tmp_path / 'pred'), '--show-dir', str(tmp_path / 'vis'), cwd=REPO)
    assert 'F1' in read_metrics(work_dir)
    masks = sorted(os.listdir(tmp_path / 'pred'))
    assert len(masks) == 2
    panels = [osp.join(d, f) for d, _, fs in os.walk(tmp_path / 'vis') for f in fs
              if f.endswith('.png')]
    assert len(panels) == 2, out[-2000:]
    panel = cv2.imread(panels[0])
    # A | B (SAR) | GT | prediction side by side, each under its title.
    assert SIZE < panel.shape[0] < 2 * SIZE and 4 * SIZE < panel.shape[1] < 5 * SIZE, panel.shape

    pair_a = osp.join(tmp_path, 'data', 'test', 'A', 'test_00000.png')
    pair_b = osp.join(tmp_path, 'data', 'test', 'B', 'test_00000.png')
    run_tool('tools/infer.py', config, work_dir, '--pair', pair_a, pair_b, '--out-dir',
             str(tmp_path / 'infer'), cwd=REPO)
    produced = os.listdir(tmp_path / 'infer')
    assert produced, 'infer.py wrote nothing'
    mask = cv2.imread(osp.join(tmp_path / 'infer', sorted(produced)[0]), cv2.IMREAD_UNCHANGED)
    assert mask.shape[:2] == (SIZE, SIZE)
