"""Baseline vs STKD (perturbation self-distillation) under the same small budget, 3 seeds.

Trains the Siamese ResNet-18-layout + FPN baseline (configs/siamese/siamfpn_r18_128x128_500it_synthetic.py)
and its STKD variant (configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py) with a narrow
network (8 base channels) for the same iterations on the same crops, then tests both on held-out
256 x 256 patches and writes F1 / cIoU mean +- std to a Markdown table.

Data (read in place from ../shared/data; derived 256 x 256 patches and links go to a temporary
folder outside the project, deleted at the end):

* LEVIR-CD: train = the 1024 tiles test_1 and test_3 cut into 16 patches each + levir_cd256's
  train_*/val_* crops (35 patches); test = tile test_2 cut into 16 patches + levir_cd256's test_*
  crops that are not from tile test_2 (21 patches).
* DSIFN-CD: dsifn_cd256 sorted by name, first 7 train, last 3 test.
* synthetic: cdkd's generator, 48 train / 16 test scenes of 128 x 128 (seed 0).

Run (heavy: queue behind the shared lock):
    flock /tmp/cdkd-heavy.lock python tools/experiments/stkd_vs_baseline.py
"""
import argparse
import os
import os.path as osp
import shutil
import sys
import tempfile
import time

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    baseline=osp.join(REPO, 'configs/siamese/siamfpn_r18_128x128_500it_synthetic.py'),
    stkd=osp.join(REPO, 'configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py'),
    student_sup=osp.join(REPO, 'configs/stkd/stkd-student-sup_siamfpn_r18_128x128_500it_synthetic.py'))
NARROW = dict(backbone=dict(stem_channels=8, base_channels=8),
              decode_head=dict(in_channels=[8, 16, 32, 64], channels=32))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--datasets', nargs='+', default=['synthetic', 'levir', 'dsifn'])
    p.add_argument('--methods', nargs='+', default=['baseline', 'stkd'], choices=list(CONFIGS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--iters', type=int, default=250)
    p.add_argument('--crop', type=int, default=64)
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--lr', type=float, default=2e-3, help='AdamW learning rate (both methods)')
    p.add_argument('--shared-data', default=osp.normpath(osp.join(REPO, '..', 'shared', 'data')),
                   help='folder with levir_cd, levir_cd256, dsifn_cd256 (read in place)')
    p.add_argument('--out', default=osp.join(REPO, 'docs/experiments/stkd.md'))
    return p.parse_args()


def _link_split(src_root, names, dst_root):
    for sub in ('A', 'B', 'label'):
        os.makedirs(osp.join(dst_root, sub), exist_ok=True)
        for name in names:
            os.symlink(osp.join(src_root, sub, name), osp.join(dst_root, sub, name))


def _cut_tile(src_root, name, dst_root, size=256):
    stem = osp.splitext(name)[0]
    images = {sub: cv2.imread(osp.join(src_root, sub, name), cv2.IMREAD_UNCHANGED)
              for sub in ('A', 'B', 'label')}
    h, w = images['label'].shape[:2]
    for y in range(0, h - size + 1, size):
        for x in range(0, w - size + 1, size):
            for sub, img in images.items():
                os.makedirs(osp.join(dst_root, sub), exist_ok=True)
                out = osp.join(dst_root, sub, f'{stem}_{y:04d}_{x:04d}.png')
                if not cv2.imwrite(out, img[y:y + size, x:x + size]):
                    raise OSError(f'could not write {out}')


def prepare_data(name, root, shared):
    """Lay out ``root/<name>/{train,test}/{A,B,label}``; returns that folder."""
    out = osp.join(root, name)
    if name == 'synthetic':
        from cdkd.datasets import generate_synthetic_cd
        generate_synthetic_cd(out, splits=dict(train=48, test=16), size=128, seed=0, progress=False)
    elif name == 'levir':
        crops = sorted(os.listdir(osp.join(shared, 'levir_cd256', 'A')))
        for tile in ('test_1.png', 'test_3.png'):
            _cut_tile(osp.join(shared, 'levir_cd'), tile, osp.join(out, 'train'))
        _cut_tile(osp.join(shared, 'levir_cd'), 'test_2.png', osp.join(out, 'test'))
        _link_split(osp.join(shared, 'levir_cd256'),
                    [c for c in crops if not c.startswith('test_')], osp.join(out, 'train'))
        _link_split(osp.join(shared, 'levir_cd256'),
                    [c for c in crops if c.startswith('test_') and not c.startswith('test_2_')],
                    osp.join(out, 'test'))
    elif name == 'dsifn':
        names = sorted(os.listdir(osp.join(shared, 'dsifn_cd256', 'A')))
        _link_split(osp.join(shared, 'dsifn_cd256'), names[:7], osp.join(out, 'train'))
        _link_split(osp.join(shared, 'dsifn_cd256'), names[7:], osp.join(out, 'test'))
    else:
        raise ValueError(f'unknown dataset {name!r}; use synthetic, levir or dsifn')
    return out


def build_cfg(method, data_root, seed, args, work_dir):
    cfg = Config.fromfile(CONFIGS[method])
    detector = cfg.model.detector if cfg.model.type == 'STKDDistiller' else cfg.model
    for key, value in NARROW.items():
        detector[key].update(value)
    train_pipeline = cfg.train_dataloader.dataset.pipeline
    train_pipeline[2] = dict(type='MultiImgRandomCrop', crop_size=(args.crop, args.crop))
    test_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                     dict(type='PackChangeInputs')]

    def dataset(split, pipeline):
        prefix = dict(img_path_from=f'{split}/A', img_path_to=f'{split}/B',
                      seg_map_path=f'{split}/label')
        return dict(type='BiTemporalCDDataset', data_root=data_root, data_prefix=prefix,
                    label_encoding='0_255', pipeline=pipeline)

    cfg.train_dataloader = dict(batch_size=args.batch, num_workers=0, persistent_workers=False,
                                sampler=dict(type='InfiniteSampler', shuffle=True),
                                dataset=dataset('train', train_pipeline))
    cfg.test_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False,
                               sampler=dict(type='DefaultSampler', shuffle=False),
                               dataset=dataset('test', test_pipeline))
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.iters, val_interval=10 ** 9)
    warmup = max(1, args.iters // 10)
    cfg.optim_wrapper.optimizer.lr = args.lr
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=warmup),
        dict(type='PolyLR', eta_min=1e-6, power=1.0, begin=warmup, end=args.iters, by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10 ** 9, save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50, log_metric_by_epoch=False)
    cfg.custom_hooks = [dict(type='CheckInvalidLossHook')]
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    cfg.visualizer.name = f'visualizer_{osp.basename(work_dir)}'  # one per run (reused by name)
    cfg.log_level = 'WARNING'
    return cfg


SPLITS_DOC = ' '.join(__doc__.split('Data (')[1].split('Run (')[0].split()).replace(' * ', '\n* ')


def mean_std(values):
    return f'{100 * np.mean(values):.2f} ± {100 * np.std(values):.2f}'


def write_table(path, results, args, minutes):
    lines = [
        '# STKD vs baseline (small CPU budget)', '',
        'Command: `flock /tmp/cdkd-heavy.lock python tools/experiments/stkd_vs_baseline.py '
        + ' '.join(sys.argv[1:]) + '`', '',
        f'Narrow Siamese ResNet-18 layout (8 base channels) + FPN head (32 channels), trained from '
        f'scratch for {args.iters} iterations, batch {args.batch}, random {args.crop} x '
        f'{args.crop} crops with flips/rot90, AdamW lr {args.lr:g}, seeds {args.seeds}; tested on full '
        'held-out patches. STKD = the same network and augmentation + the default student view '
        '(one random photometric/noise/blur/JPEG perturbation of B) + student CE + pixel KL. '
        'Scores in percent, mean ± std over seeds (population std); per-seed values in brackets.',
        '', 'Deterministic splits (' + SPLITS_DOC, '',
        '| dataset | method | F1 (%) | cIoU (%) | F1 per seed |', '|---|---|---|---|---|']
    for (dataset, method), runs in results.items():
        f1 = [r['F1'] for r in runs]
        iou = [r['IoU'] for r in runs]
        lines.append(f'| {dataset} | {method} | {mean_std(f1)} | {mean_std(iou)} | '
                     f'[{", ".join(f"{100 * v:.2f}" for v in f1)}] |')
    lines += ['', f'Total wall time: {minutes:.1f} min on the shared 2-core CPU.', '']
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines))
    os.replace(tmp, path)


def main():
    args = parse_args()
    from cdkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    start, results = time.time(), {}
    tmp_root = tempfile.mkdtemp(prefix='stkd_exp_')
    try:
        for dataset in args.datasets:
            data_root = prepare_data(dataset, tmp_root, args.shared_data)
            for method in args.methods:
                for seed in args.seeds:
                    work_dir = osp.join(tmp_root, 'work', f'{dataset}_{method}_{seed}')
                    runner = Runner.from_cfg(build_cfg(method, data_root, seed, args, work_dir))
                    runner.train()
                    train_loss = runner.message_hub.get_scalar('train/loss').mean(50)
                    metrics = runner.test()
                    results.setdefault((dataset, method), []).append(metrics)
                    print(f'[{(time.time() - start) / 60:5.1f} min] {dataset} {method} seed {seed}: '
                          f'F1 {100 * metrics["F1"]:.2f} cIoU {100 * metrics["IoU"]:.2f} '
                          f'(train loss, last 50 iters: {train_loss:.3f})',
                          flush=True)
                    write_table(args.out, results, args, (time.time() - start) / 60)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    print(open(args.out).read())


if __name__ == '__main__':
    main()
