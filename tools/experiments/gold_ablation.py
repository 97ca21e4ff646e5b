"""GOLD ablation at a fixed budget: GOLD (the official profile) vs the student branch alone vs the
two branches with change losses only (and further GOLD variants), on OMBRIA (real optical/SAR,
../shared/data/ombria_gold, read in place; the fixed split of configs/_base_/datasets/splits) or
on the synthetic optical/SAR scenes. Every arm gets the same iterations, batch, crops, schedule and
encoder widths; the student is scored on the validation set from A + B, and GOLD's teacher from
A + C (does the optical teacher know more than the SAR student?).

    python tools/experiments/gold_ablation.py --dataset ombria --iters 160 --seeds 0 1 2 \
        --out docs/experiments/gold_ombria_cpu.md
    # several invocations side by side, then one table from their results:
    python tools/experiments/gold_ablation.py --merge a.json b.json --out merged.md
"""
import argparse
import copy
import json
import math
import os.path as osp
import statistics
import sys
import time

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
from cdkd.evaluation.functional import change_scores, confusion_matrix  # noqa: E402
from cdkd.registry import DATASETS  # noqa: E402
from cdkd.utils import register_all_modules  # noqa: E402
from cdkd.utils.atomic_write import atomic_write_text  # noqa: E402

CONFIGS = dict(
    ombria=osp.join(REPO, 'configs/gold/gold_r18_256x256_400e_ombria.py'),
    synthetic=osp.join(REPO, 'configs/gold/gold_r18_128x128_500it_synthetichetero.py'))
ONE_TASK = dict(_delete_=True, type='UncertaintyTaskWeighting', mode='fixed', tasks=('cd', ),
                fixed_weights=(1.0, ), main_task='cd')
VARIANTS = {  # id -> (table label, model overrides)
    'gold': ('GOLD (official profile)', {}),
    'student': ('student branch alone (change loss only)',
                dict(with_teacher=False, task_weighting=ONE_TASK)),
    'gold-cd-only': ('both branches, change losses only (no distillation)',
                     dict(with_distillation=False, task_weighting=ONE_TASK)),
    'gold-fixed': ('GOLD, fixed task and group weights (1.0, 0.3, 0.2; 1/0.4, 0.7/0.3, 0.5/0.3/0.2)',
                   dict(task_weighting=dict(mode='fixed'), group_weighting=dict(
                       cd=dict(mode='fixed'), distill=dict(mode='fixed'),
                       attention=dict(mode='fixed')))),
    'gold-detach': ('GOLD, teacher features detached in the distillation',
                    dict(distill_loss=dict(detach_teacher=True))),
    'gold-tanh-map': ("GOLD, the pseudocode's tanh difference map",
                      dict(distill_loss=dict(difference_map='pseudocode'))),
}
DEFAULT_VARIANTS = ('gold', 'student', 'gold-cd-only')


def narrow(model, width, channels):
    """Encoders of ``width`` base channels and ``channels``-wide fusion (official: 64, 128)."""
    for key in ('backbone', 'backbone_t2', 'teacher_backbone_t2'):
        if model.get(key):
            model[key].update(stem_channels=width, base_channels=width)
            model[key].pop('init_cfg', None)  # random init: no pretrained weights offline
    levels = [width * 2**i for i in range(4)]
    for key in ('neck', 'neck_t2'):
        model[key].update(in_channels=levels, channels=channels)
    model['cross_attention'].update(in_channels=channels, reduction=max(channels // 8, 1))
    model['attention'].update(in_channels=2 * channels, channels=channels)
    for key in ('decode_head', 'teacher_decode_head'):
        model[key].update(in_channels=2 * channels, channels=channels)


def set_crop(pipeline, crop):
    for t in pipeline:
        if 'crop_size' in t:
            t['crop_size'] = (crop, crop)
        if t['type'] == 'MultiImgRandomResize':
            t['scale'] = (crop, crop)  # 1-1.2 x the crop, then cropped back (official)


def build_cfg(args, key, seed, work_dir):
    cfg = Config.fromfile(CONFIGS[args.dataset])
    cfg.merge_from_dict(dict(model=copy.deepcopy(VARIANTS[key][1])))
    narrow(cfg.model, args.width, args.channels)
    if args.data_root:
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[loader].dataset.data_root = args.data_root
    train = cfg.train_dataloader
    train.batch_size, train.num_workers, train.persistent_workers = args.batch_size, 0, False
    train.sampler = dict(type='InfiniteSampler', shuffle=True)
    train.dataset.with_optical_t2 = key != 'student'
    set_crop(train.dataset.pipeline, args.crop)
    n_train = len(DATASETS.build(dict(train.dataset, pipeline=[])))
    iters_per_epoch = max(math.ceil(n_train / args.batch_size), 1)
    epochs = args.iters / iters_per_epoch
    warmup = epochs * 20 / 400  # the official 20 of 400 epochs, kept in proportion
    cfg.model.iters_per_epoch = iters_per_epoch
    cfg.model.distill_warmup_epochs = warmup
    cfg.model.task_weighting.warmup_epochs = warmup
    groups = cfg.model.get('group_weighting') or {}
    keep = () if not cfg.model.get('with_teacher', True) else \
        ('cd', ) if not cfg.model.get('with_distillation', True) else tuple(groups)
    cfg.model.group_weighting = {k: dict(groups[k], warmup_epochs=warmup) for k in keep} or None
    cfg.work_dir = work_dir
    cfg.visualizer.name = f'visualizer_{osp.basename(work_dir)}'
    cfg.randomness = dict(seed=seed)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.iters, val_interval=10**9)
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', T_max=args.iters, eta_min=0.0,
                                by_epoch=False, begin=0, end=args.iters)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**9)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=20, log_metric_by_epoch=False)
    cfg.default_hooks.visualization = dict(type='ChangeVisualizationHook')
    cfg.val_dataloader = cfg.val_evaluator = cfg.val_cfg = None
    cfg.test_dataloader = cfg.test_evaluator = cfg.test_cfg = None
    cfg.log_processor = dict(by_epoch=False)
    return cfg, dict(iters_per_epoch=iters_per_epoch, epochs=epochs, warmup_epochs=warmup,
                     n_train=n_train)


@torch.no_grad()
def evaluate(model, dataset_cfg):
    """Change scores of the student (A + B) and, where there is one, the teacher (A + C)."""
    dataset = DATASETS.build(dataset_cfg)
    model.eval()
    cms = dict(student=0, teacher=0)
    for i in range(len(dataset)):
        data = model.data_preprocessor(pseudo_collate([dataset[i]]), False)
        inputs, samples = data['inputs'], data['data_samples']
        gt = samples[0].gt_sem_seg.data[0]
        pair = inputs[:, :sum(model.temporal_bands)]
        logits = dict(student=model.encode_decode(pair, [s.metainfo for s in samples]))
        if getattr(model, 'with_teacher', False):
            logits['teacher'] = torch.nn.functional.interpolate(
                model.teacher_forward(inputs), size=gt.shape, mode='bilinear',
                align_corners=model.align_corners)
        for name, lg in logits.items():
            cms[name] = cms[name] + confusion_matrix(lg.argmax(1)[0], gt)
    return {name: (change_scores(cm) if not isinstance(cm, int) else {})
            for name, cm in cms.items()}


def run(key, seed, args):
    work_dir = osp.join(args.work_dir, f'{args.dataset}_{key}_seed{seed}')
    cfg, schedule = build_cfg(args, key, seed, work_dir)
    eval_dataset = copy.deepcopy(Config.fromfile(CONFIGS[args.dataset]).val_dataloader.dataset)
    if args.data_root:
        eval_dataset.data_root = args.data_root
    eval_dataset.with_optical_t2 = True  # C for the teacher's own score
    if 'data_prefix' in eval_dataset:  # folder datasets (the synthetic one knows its C)
        prefix = eval_dataset.data_prefix
        eval_dataset.data_prefix = dict(
            prefix, img_path_to_optical=osp.join(osp.dirname(prefix['img_path_from']), 'C'))
    runner = Runner.from_cfg(cfg)
    start = time.time()
    runner.train()
    train_s = time.time() - start
    scores = evaluate(runner.model, eval_dataset.to_dict())
    return dict(train_s=train_s, student=scores['student'], teacher=scores['teacher'],
                **schedule)


def mean_std(values):
    """``0.812`` for one value, ``0.812 ± 0.031`` (sample std) for several, ``n/a`` for none."""
    values = [v for v in values if v is not None]
    if not values:
        return 'n/a'
    if len(values) == 1:
        return f'{values[0]:.3f}'
    return f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}'


def render(records, header):
    """One row per variant: mean ± std over its seeds and the value of each seed."""
    by_variant = {}
    for record in records:
        by_variant.setdefault(record['variant'], []).append(record)
    lines = header + [
        '| variant | seeds | train s | student F1 | student IoU | student F1 per seed | '
        'student IoU per seed | student precision | teacher F1 (A + C) | teacher F1 per seed |',
        '|---|---|---|---|---|---|---|---|---|---|']
    for key, runs in by_variant.items():
        runs = sorted(runs, key=lambda r: r['seed'])

        def values(part, metric):
            return [r[part].get(metric) for r in runs]

        def per_seed(part, metric):
            vals = values(part, metric)
            return 'n/a' if None in vals else ' / '.join(f'{v:.3f}' for v in vals)

        lines.append(
            f'| {VARIANTS[key][0]} | {",".join(str(r["seed"]) for r in runs)} | '
            f'{statistics.mean(r["train_s"] for r in runs):.0f} | '
            f'{mean_std(values("student", "F1"))} | {mean_std(values("student", "IoU"))} | '
            f'{per_seed("student", "F1")} | {per_seed("student", "IoU")} | '
            f'{mean_std(values("student", "Precision"))} | '
            f'{mean_std(values("teacher", "F1"))} | {per_seed("teacher", "F1")} |')
    return '\n'.join(lines) + '\n'


def train_all(args):
    register_all_modules(init_default_scope=True)
    records = []
    for seed in args.seeds:
        for key in args.variants:
            records.append(dict(variant=key, seed=seed, **run(key, seed, args)))
            print(json.dumps(records[-1]), flush=True)
    device = (f'GPU: {torch.cuda.get_device_name(0)}' if torch.cuda.is_available() else
              f'CPU: {torch.get_num_threads()} thread(s)')
    r = records[0]
    notes = [
        f'Dataset: {args.dataset}; {r["n_train"]} training samples, scored on the validation '
        'set (OMBRIA: the 42 ids of configs/_base_/datasets/splits/ombria_gold_val.txt, whole '
        '256 x 256 tiles). Change-class F1 / IoU / precision over all pixels of the set. '
        'Predicting "flooded" everywhere scores F1 0.556, IoU 0.385, precision 0.385 there.', '',
        f'Every arm: ResNet-18 layout (deep stem) at base width {args.width} (official 64), '
        f'fusion width {args.channels} (official 128), random init (no ImageNet weights offline), '
        f'{args.iters} iterations at batch {args.batch_size} ({r["epochs"]:.1f} epochs), '
        f'{args.crop} x {args.crop} random crops of the official online augmentation, AdamW '
        '5e-4 / wd 0.01, cosine to 0, gradient clipping 0.5; the 20-of-400-epoch warm-up kept '
        f'in proportion ({r["warmup_epochs"]:.2f} epochs). Teacher F1: the same run\'s teacher '
        'head on A + C. Several seeds: mean ± sample standard deviation.', '']
    command = 'python tools/experiments/gold_ablation.py ' + ' '.join(sys.argv[1:])
    return dict(command=command.strip(), device=device, notes=notes, records=records)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--dataset', choices=sorted(CONFIGS), default='ombria')
    p.add_argument('--data-root', default=None,
                   help='dataset folder (default for ombria: ../shared/data/ombria_gold)')
    p.add_argument('--iters', type=int, default=160)
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--crop', type=int, default=128)
    p.add_argument('--width', type=int, default=16, help='encoder base width (official 64)')
    p.add_argument('--channels', type=int, default=32, help='fusion width (official 128)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--variants', nargs='+', default=list(DEFAULT_VARIANTS), choices=list(VARIANTS))
    p.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'gold_ablation'))
    p.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'gold_ablation', 'results.md'),
                   help='Markdown table; the raw results go beside it as .json')
    p.add_argument('--merge', nargs='+', metavar='JSON',
                   help='train nothing: one table from the .json files of earlier invocations')
    args = p.parse_args()
    if args.dataset == 'ombria' and args.data_root is None:
        args.data_root = osp.join(REPO, '..', 'shared', 'data', 'ombria_gold')
    if args.merge:
        runs = []
        for path in args.merge:
            with open(path) as f:
                loaded = json.load(f)
            runs.extend(loaded if isinstance(loaded, list) else [loaded])
        raw = runs
    else:
        runs = [train_all(args)]
        raw = runs[0]
    atomic_write_text(osp.splitext(args.out)[0] + '.json', json.dumps(raw, indent=1))
    header = ['# GOLD ablation', '']
    if len(runs) == 1:
        header += [f'Command: `{runs[0]["command"]}` ({runs[0]["device"]})', '']
    else:
        header += [f'{len(runs)} invocations merged: ' +
                   '; '.join(f'`{r["command"]}` ({r["device"]})' for r in runs), '']
    text = render([rec for r in runs for rec in r['records']], header + runs[0]['notes'])
    print(text)
    atomic_write_text(args.out, text)


if __name__ == '__main__':
    main()
