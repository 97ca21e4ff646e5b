"""Baseline vs STKD (perturbation self-distillation) under the same small budget, 3 seeds.

Methods (``--methods``):

* ``seifnet`` / ``stkd_official``: SEIFNet alone vs the official STKDNet
  (configs/seifnet/seifnet_r18_256x256_500it_synthetic.py, configs/stkd/
  stkd_seifnet_r18_256x256_500it_synthetic.py: the official model, student view and loss), with
  SEIFNet at 1/4 width (16 base channels).
* ``stkd_argmax_target`` / ``stkd_image_space`` / ``stkd_student_sup``: the official STKDNet
  with one change each, to isolate a candidate cause of its loss: the teacher's argmax as the
  distillation target, the student view on the un-normalised image (no clipping), or no
  distillation term at all (the paper's Table III row T + 0.9 S).
* ``baseline`` / ``stkd`` / ``student_sup``: cdkd's earlier reconstruction (not the official
  method): Siamese ResNet-18 layout + FPN at 8 base channels, cdkd's student view + pixel KL.

Every arm of a run gets the same iterations, batch, crops, learning rate and schedule (AdamW,
10 % warm-up then linear decay), is tested on held-out 256 x 256 patches, and the script writes
F1 / cIoU / precision / recall mean +- std to a Markdown table and every run's metrics to a JSON
file beside it.

Data (read in place from ../shared/data; derived 256 x 256 patches and links go to a temporary
folder outside the project, deleted at the end):

* LEVIR-CD: train = the 1024 tiles test_1 and test_3 cut into 16 patches each + levir_cd256's
  train_*/val_* crops (36 patches); test = tile test_2 cut into 16 patches + levir_cd256's test_*
  crops that are not from tile test_2 (21 patches).
* DSIFN-CD: dsifn_cd256 sorted by name, first 7 train, last 3 test.
* AirChange: test = pairs Szada_2 and Tiszadob_5, train = the other 9 pairs, each cut into
  non-overlapping 256 x 256 patches (a 952 x 640 pair gives 6, Archieve's 1048 x 724 gives 8:
  56 train, 12 test patches).
* EGY-BCD: egy_bcd's train_* and val_* crops train (7), its test_* crops test (2).
* synthetic: cdkd's generator, 48 train / 16 test scenes of 128 x 128 (seed 0).

Run (heavy: one at a time, e.g. under flock on a shared lock file, or with OMP_NUM_THREADS=1):
    python tools/experiments/stkd_vs_baseline.py --methods seifnet stkd_official --datasets levir
"""
import argparse
import json
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

from cdkd.utils.atomic_write import atomic_write_text
from cdkd.utils.script_loader import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    # cdkd's earlier STKD (not the official method): Siamese ResNet-18 + FPN, cdkd's student view
    baseline=osp.join(REPO, 'configs/siamese/siamfpn_r18_128x128_500it_synthetic.py'),
    stkd=osp.join(REPO, 'configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py'),
    student_sup=osp.join(REPO, 'configs/stkd/stkd-student-sup_siamfpn_r18_128x128_500it_synthetic.py'),
    # the official STKDNet: SEIFNet alone (the paper's baseline) vs SEIFNet + official STKD
    seifnet=osp.join(REPO, 'configs/seifnet/seifnet_r18_256x256_500it_synthetic.py'),
    stkd_official=osp.join(REPO, 'configs/stkd/stkd_seifnet_r18_256x256_500it_synthetic.py'),
    # one change each to the official STKDNet (data, schedule and optimiser are replaced below,
    # so the LEVIR-CD configs differ from stkd_official only in the model key they name)
    stkd_argmax_target=osp.join(
        REPO, 'configs/stkd/stkd-argmax-target_seifnet_r18_256x256_200e_levircd.py'),
    stkd_image_space=osp.join(
        REPO, 'configs/stkd/stkd-image-space_seifnet_r18_256x256_200e_levircd.py'),
    stkd_student_sup=osp.join(
        REPO, 'configs/stkd/stkd-student-sup_seifnet_r18_256x256_200e_levircd.py'),
    stkd_image_space_argmax_target=osp.join(
        REPO, 'configs/stkd/stkd-image-space-argmax-target_seifnet_r18_256x256_200e_levircd.py'))
DATASETS = ('synthetic', 'levir', 'dsifn', 'airchange', 'egy_bcd')
# the held-out AirChange scenes, shared with the KD-MSI experiment
AIRCHANGE_TEST = load_script(osp.join(osp.dirname(osp.abspath(__file__)),
                                      'kdmsi_data.py')).AIRCHANGE_TEST
NARROW = dict(backbone=dict(stem_channels=8, base_channels=8),
              decode_head=dict(in_channels=[8, 16, 32, 64], channels=32))
# SEIFNet at 1/4 width (its channel attentions need >= 16 channels: ratio 16)
NARROW_SEIFNET = dict(backbone=dict(stem_channels=16, base_channels=16),
                      neck=dict(in_channels=[16, 32, 64, 128]),
                      decode_head=dict(in_channels=[16, 32, 64, 128], channels=16))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--datasets', nargs='+', default=['levir', 'dsifn'],
                   choices=list(DATASETS))
    p.add_argument('--methods', nargs='+', default=['seifnet', 'stkd_official'],
                   choices=list(CONFIGS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--iters', type=int, default=250)
    p.add_argument('--crop', type=int, default=64)
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--cat-max-ratio', type=float, default=1.0,
                   help='retry training crops in which one class covers more than this fraction '
                        '(mmseg RandomCrop; 1 = plain random crops)')
    p.add_argument('--lr', type=float, default=2e-3, help='AdamW learning rate (both methods)')
    p.add_argument('--shared-data', default=osp.normpath(osp.join(REPO, '..', 'shared', 'data')),
                   help='folder with levir_cd, levir_cd256, dsifn_cd256, airchange, egy_bcd '
                        '(read in place)')
    p.add_argument('--from-json', nargs='+', metavar='JSON',
                   help='no training: merge the raw metrics of earlier runs (e.g. one per seed, '
                        'run in parallel) into one table and JSON at --out')
    p.add_argument('--out', default=osp.join(REPO, 'docs/experiments/stkd_official.md'),
                   help='Markdown table; the raw metrics go to the same name with .json')
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
    elif name == 'airchange':
        src = osp.join(shared, 'airchange')
        for pair in sorted(os.listdir(osp.join(src, 'A'))):
            split = 'test' if pair in AIRCHANGE_TEST else 'train'
            _cut_tile(src, pair, osp.join(out, split))
    elif name == 'egy_bcd':
        src = osp.join(shared, 'egy_bcd')
        names = sorted(os.listdir(osp.join(src, 'A')))
        _link_split(src, [n for n in names if not n.startswith('test_')], osp.join(out, 'train'))
        _link_split(src, [n for n in names if n.startswith('test_')], osp.join(out, 'test'))
    else:
        raise ValueError(f'unknown dataset {name!r}; use one of {DATASETS}')
    return out


def use_patch_splits(cfg, data_root, train_pipeline, batch, iters):
    """Point ``cfg`` at the ``train``/``test`` patch splits of :func:`prepare_data` under
    ``data_root``: iteration-based training for ``iters`` without validation, test on every patch."""
    test_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                     dict(type='PackChangeInputs')]

    def dataset(split, pipeline):
        prefix = dict(img_path_from=f'{split}/A', img_path_to=f'{split}/B',
                      seg_map_path=f'{split}/label')
        return dict(type='BiTemporalCDDataset', data_root=data_root, data_prefix=prefix,
                    label_encoding='0_255', pipeline=pipeline)

    cfg.train_dataloader = dict(batch_size=batch, num_workers=0, persistent_workers=False,
                                sampler=dict(type='InfiniteSampler', shuffle=True),
                                dataset=dataset('train', train_pipeline))
    cfg.test_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False,
                               sampler=dict(type='DefaultSampler', shuffle=False),
                               dataset=dataset('test', test_pipeline))
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=10 ** 9)


def build_cfg(method, data_root, seed, args, work_dir):
    cfg = Config.fromfile(CONFIGS[method])
    detector = cfg.model.detector if cfg.model.type == 'STKDDistiller' else cfg.model
    narrow = NARROW_SEIFNET if detector.decode_head.type == 'SEIFNetHead' else NARROW
    for key, value in narrow.items():
        detector[key].update(value)
    train_pipeline = cfg.train_dataloader.dataset.pipeline
    crops = [i for i, t in enumerate(train_pipeline) if t['type'] == 'MultiImgRandomCrop']
    if len(crops) != 1:
        raise ValueError(f'{CONFIGS[method]}: expected one MultiImgRandomCrop in the train '
                         'pipeline')
    train_pipeline[crops[0]] = dict(type='MultiImgRandomCrop', crop_size=(args.crop, args.crop),
                                    cat_max_ratio=args.cat_max_ratio)
    use_patch_splits(cfg, data_root, train_pipeline, args.batch, args.iters)
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


METHOD_DOC = dict(
    seifnet='SEIFNet alone (16 base channels; CoDEM, ACFF, supervised attention; BCE-Dice)',
    stkd_official='the same SEIFNet + the official STKDNet: student view ColorJitter(0.4, 0.4, '
                  '0.4, 0.1) + GaussianBlur(3, sigma U(0.1, 2)) of B on the normalised tensor, '
                  'L = BCEDice(T) + 0.9 BCEDice(S) + 0.1 BCEDice(S, hard teacher target)',
    stkd_argmax_target='stkd_official with the distillation target argmax(teacher logits) '
                       'instead of 1[mean of the two logits > 0.5]',
    stkd_image_space='stkd_official with the student view on the un-normalised image in [0, 1] '
                     '(no clipping below the mean), renormalised afterwards',
    stkd_student_sup='stkd_official without the distillation term: BCEDice(T) + 0.9 BCEDice(S) '
                     "(the paper's Table III second row)",
    stkd_image_space_argmax_target='stkd_official with both changes above: the view on the '
                                   'image in [0, 1] and the argmax target (cdkd\'s fixed STKD)',
    baseline="cdkd's earlier baseline: Siamese ResNet-18 layout (8 base channels) + FPN, CE",
    stkd="cdkd's earlier reconstruction (not the official method): baseline + one random "
         'photometric/noise/blur/JPEG perturbation of B + student CE + pixel KL',
    student_sup="cdkd's earlier reconstruction without the KL term")


def write_table(path, results, args, minutes, command=None):
    command = command or 'python tools/experiments/stkd_vs_baseline.py ' + ' '.join(sys.argv[1:])
    lines = [
        '# STKD vs baseline (small CPU budget)', '', f'Command: `{command}`', '',
        f'Trained from scratch for {args.iters} iterations, batch {args.batch}, random '
        f'{args.crop} x {args.crop} crops (cat_max_ratio {args.cat_max_ratio:g}) after each '
        f"config's own augmentation, AdamW lr {args.lr:g} with 10 % warm-up and linear decay, "
        f'seeds {args.seeds}; tested on full held-out patches. Scores in percent, mean ± std over '
        'seeds (population std); per-seed F1 in brackets. Methods:', '']
    lines += [f'* `{m}`: {METHOD_DOC[m]}' for m in args.methods]
    lines += [
        '', 'Deterministic splits (' + SPLITS_DOC, '',
        '| dataset | method | F1 (%) | cIoU (%) | precision (%) | recall (%) | F1 per seed |',
        '|---|---|---|---|---|---|---|']
    for (dataset, method), runs in results.items():
        cols = [mean_std([r[k] for r in runs]) for k in ('F1', 'IoU', 'Precision', 'Recall')]
        per_seed = ', '.join(f'{100 * r["F1"]:.2f}' for r in runs)
        lines.append(f'| {dataset} | {method} | ' + ' | '.join(cols) + f' | [{per_seed}] |')
    lines += ['', f'Total wall time: {minutes:.1f} min on the shared 2-core CPU '
              f'(raw metrics: `{osp.basename(json_path(path))}`).', '']
    raw = dict(command=command, args=vars(args), minutes=minutes,
               runs=[dict(dataset=d, method=m, **r) for (d, m), rs in results.items() for r in rs])
    atomic_write_text(path, '\n'.join(lines))
    atomic_write_text(json_path(path), json.dumps(raw, indent=1, default=float) + '\n')


def json_path(path):
    return osp.splitext(path)[0] + '.json'


def merge_runs(paths, out):
    """Rebuild the table and JSON from the raw metrics of earlier runs with the same settings."""
    raws = [json.load(open(p)) for p in paths]
    keep = ('iters', 'crop', 'batch', 'cat_max_ratio', 'lr')
    for p, raw in zip(paths[1:], raws[1:]):
        if any(raw['args'][k] != raws[0]['args'][k] for k in keep):
            raise ValueError(f'{p} was run with other settings than {paths[0]}: '
                             f'{[raw["args"][k] for k in keep]} vs '
                             f'{[raws[0]["args"][k] for k in keep]} ({keep})')
    args = argparse.Namespace(**raws[0]['args'])
    args.seeds = sorted({s for raw in raws for s in raw['args']['seeds']})
    args.methods = list(dict.fromkeys(m for raw in raws for m in raw['args']['methods']))
    results = {}
    for raw in raws:
        for run in raw['runs']:
            run = dict(run)
            key = (run.pop('dataset'), run.pop('method'))
            results.setdefault(key, []).append(run)
    for runs in results.values():
        runs.sort(key=lambda r: r['seed'])
    command = ' ; '.join([raw['command'] for raw in raws] + [
        'python tools/experiments/stkd_vs_baseline.py ' + ' '.join(sys.argv[1:])])
    write_table(out, dict(sorted(results.items(), key=lambda kv: (
        args.datasets.index(kv[0][0]) if kv[0][0] in args.datasets else 99,
        args.methods.index(kv[0][1])))), args, sum(raw['minutes'] for raw in raws), command)


def main():
    args = parse_args()
    if args.from_json:
        merge_runs(args.from_json, args.out)
        print(open(args.out).read())
        return
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
                    metrics = {k: float(v) for k, v in runner.test().items()}
                    metrics.update(seed=seed, train_loss_last50=float(train_loss))
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
