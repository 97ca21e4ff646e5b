"""End to end on real OMBRIA samples (read in place): tools/train.py trains GOLD on A + B + C,
tools/test.py scores and draws the student from A + B, tools/infer.py predicts from an
optical/SAR pair (tiny widths, 4 training and 2 validation triplets)."""
import os
import os.path as osp

import cv2

from tests.test_tools.test_train_test_infer import read_metrics, run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GOLD_CONFIG = osp.join(REPO, 'configs/gold/gold_r18_256x256_400e_ombria.py')
TRAIN = ['train_0001', 'train_0004', 'train_0007', 'train_0010']
VAL = ['train_0023', 'train_0061']  # in the committed val split
SIZE = 256


def write_gold_config(path, data_root, train_list, val_list, iters=4):
    text = f"""
_base_ = [{GOLD_CONFIG!r}]
tiny = dict(stem_channels=8, base_channels=8, init_cfg=None)
neck = dict(in_channels=[8, 16, 32, 64], channels=16)
head = dict(in_channels=32, channels=16)
model = dict(backbone=tiny, backbone_t2=tiny, neck=neck, neck_t2=neck,
             cross_attention=dict(in_channels=16, reduction=4),
             attention=dict(in_channels=32, channels=16), decode_head=head,
             teacher_decode_head=head, iters_per_epoch=2)
train_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                  dict(type='MultiImgRandomCrop', crop_size=(64, 64), cat_max_ratio=0.75),
                  dict(type='MultiImgRandomGaussianBlur'), dict(type='PackChangeInputs')]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(data_root={data_root!r}, ann_file={train_list!r},
                                     pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={data_root!r}, ann_file={val_list!r}))
test_dataloader = val_dataloader
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters={iters},
                 val_interval={iters})
param_scheduler = [dict(type='CosineAnnealingLR', T_max={iters}, by_epoch=False, begin=0,
                        end={iters})]
default_hooks = dict(logger=dict(interval=2),
                     checkpoint=dict(by_epoch=False, interval={iters}))
"""
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def test_gold_train_test_infer_on_ombria(tmp_path, shared_data):
    data_root = osp.join(shared_data, 'ombria_gold')
    lists = []
    for name, ids in (('train', TRAIN), ('val', VAL)):
        lists.append(str(tmp_path / f'{name}.txt'))
        (tmp_path / f'{name}.txt').write_text('\n'.join(ids) + '\n')
    config = write_gold_config(tmp_path / 'gold_tiny.py', data_root, *lists)
    work_dir = str(tmp_path / 'work')
    out = run_tool('tools/train.py', config, '--work-dir', work_dir, cwd=REPO)
    # GOLD's task weights, both change losses and the distillation terms are logged
    for key in ('weight_cd', 'student_dice', 'teacher_ce', 'kd_feat', 'kd_att_diff', 'kd_ramp'):
        assert key in out, key
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))

    out = run_tool('tools/test.py', config, work_dir, '--work-dir', work_dir,
                   '--out', str(tmp_path / 'pred'), '--show-dir', str(tmp_path / 'vis'), cwd=REPO)
    assert 'F1' in read_metrics(work_dir)
    assert len(os.listdir(tmp_path / 'pred')) == 2
    panels = [osp.join(d, f) for d, _, fs in os.walk(tmp_path / 'vis') for f in fs
              if f.endswith('.png')]
    assert len(panels) == 2, out[-2000:]
    panel = cv2.imread(panels[0])
    # A | B (SAR) | GT | prediction side by side, each under its title.
    assert SIZE < panel.shape[0] < 2 * SIZE and 4 * SIZE < panel.shape[1] < 5 * SIZE, panel.shape

    pair = [osp.join(data_root, d, f'{VAL[0]}.png') for d in ('A', 'B')]
    run_tool('tools/infer.py', config, work_dir, '--pair', *pair, '--out-dir',
             str(tmp_path / 'infer'), cwd=REPO)
    produced = os.listdir(tmp_path / 'infer')
    assert produced, 'infer.py wrote nothing'
    mask = cv2.imread(osp.join(tmp_path / 'infer', sorted(produced)[0]), cv2.IMREAD_UNCHANGED)
    assert mask.shape[:2] == (SIZE, SIZE)
