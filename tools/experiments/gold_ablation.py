"""GOLD ablation at a fixed budget: student branch alone vs GOLD (dynamic / fixed task weights,
with / without attention transfer, the attention modes) on the synthetic optical/SAR scenes, then
every trained student applied unchanged to the real optical/SAR pair srf_dataset6
(../shared/data/hetero, read in place).

    flock /tmp/cdkd-heavy.lock python tools/experiments/gold_ablation.py --iters 1000 --seeds 0 1
    # several invocations side by side (e.g. on one GPU), then one table from their results:
    python tools/experiments/gold_ablation.py --merge a.json b.json --out merged.md

The real heterogeneous samples hold only A (optical t1), B (SAR t2) and a label, no optical t2,
so no GOLD teacher can be trained on them: they serve as an out-of-domain check of the students.
All runs use half-width ResNet-18 encoders (base 16 channels) trained from scratch.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
import time

import torch
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
from cdkd.datasets.synthetic import DEFAULT_SAR_LOOKS  # noqa: E402
from cdkd.models.layers.difference_attention import ATTENTION_MODES  # noqa: E402
from cdkd.utils import register_all_modules  # noqa: E402
from cdkd.utils.atomic_write import atomic_write_text  # noqa: E402

GOLD_CFG = osp.join(REPO, 'configs/gold/gold_r18_128x128_500it_synthetichetero.py')
STUDENT_CFG = osp.join(REPO, 'configs/gold/pseudosiamfpn_r18_128x128_500it_synthetichetero.py')
WIDTHS = [16, 32, 64, 128]
CROP = (128, 128)  # the configs' training crop

# Task weightings without the attention task: GOLD's dynamic weights, or the change loss alone.
DYNAMIC_WITHOUT_ATTENTION = dict(
    tasks=('cd', 'distill'), fixed_weights=(1.0, 0.3),
    bounds=dict(_delete_=True, cd=(0.6, None), distill=(None, 0.3)))
CHANGE_LOSS_ONLY = dict(mode='fixed', tasks=('cd', 'distill'), fixed_weights=(1.0, 0.0),
                        bounds=None)
VARIANTS = {  # id -> (table label, config, model overrides)
    'student': ('student only (no distillation)', STUDENT_CFG, {}),
    'gold': ('GOLD, dynamic weights, attention transfer', GOLD_CFG, {}),
    'gold-noatt': ('GOLD, dynamic weights, no attention transfer', GOLD_CFG,
                   dict(with_attention_transfer=False, task_weighting=DYNAMIC_WITHOUT_ATTENTION)),
    'gold-fixed': ('GOLD, fixed weights, attention transfer', GOLD_CFG,
                   dict(task_weighting=dict(mode='fixed'))),
    'gold-unbounded': ('GOLD, dynamic weights without bounds', GOLD_CFG,
                       dict(task_weighting=dict(bounds=None))),
    'gold-fixed-teacher1': ('GOLD, fixed weights, teacher CE weight 1.0', GOLD_CFG,
                            dict(task_weighting=dict(mode='fixed'), teacher_cd_weight=1.0)),
    'gold-rampin': ('GOLD, dynamic weights, teacher CE + distillation ramped in', GOLD_CFG,
                    dict(distill_warmup_epochs=5)),
    'gold-cd-only': ('GOLD branches, change losses only (no distillation, no attention transfer)',
                     GOLD_CFG,
                     dict(with_attention_transfer=False, task_weighting=CHANGE_LOSS_ONLY)),
    'gold-cd-only-noattmodule': ('GOLD branches, change losses only, no attention module',
                                 GOLD_CFG, dict(with_attention_transfer=False, attention=None,
                                                task_weighting=CHANGE_LOSS_ONLY)),
    'gold-noattmodule': ('GOLD, dynamic weights, distillation, no attention module', GOLD_CFG,
                         dict(with_attention_transfer=False, attention=None,
                              task_weighting=DYNAMIC_WITHOUT_ATTENTION)),
}
for mode in ATTENTION_MODES:  # the three ways DifferenceAttention is applied, named explicitly
    VARIANTS[f'gold-{mode}'] = (f'GOLD, dynamic weights, attention transfer, {mode} attention',
                                GOLD_CFG, dict(attention=dict(mode=mode)))
    VARIANTS[f'gold-cd-only-{mode}'] = (
        f'GOLD branches, change losses only, {mode} attention', GOLD_CFG,
        dict(with_attention_transfer=False, attention=dict(mode=mode),
             task_weighting=CHANGE_LOSS_ONLY))
DEFAULT_VARIANTS = ('student', 'gold', 'gold-noatt', 'gold-fixed', 'gold-unbounded')


def narrow(model):
    for key in ('backbone', 'backbone_t2', 'teacher_backbone_t2'):
        if key in model:
            model[key].update(stem_channels=WIDTHS[0], base_channels=WIDTHS[0])
    model['decode_head'].update(in_channels=WIDTHS, channels=32)
    if model.get('attention'):
        model['attention'].update(in_channels=WIDTHS[-1], reduction=8)


def build_cfg(path, overrides, args, seed, work_dir):
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(dict(model=copy.deepcopy(overrides)))  # merging consumes _delete_ keys
    narrow(cfg.model)
    if cfg.model.type == 'GOLDChangeDetector':
        cfg.model.iters_per_epoch = max(args.iters // 15, 1)  # 15 GOLD "epochs" per run
    cfg.work_dir = work_dir
    # mmengine reuses a visualizer by name: one per variant, or every run's scalars would go to
    # the first run's vis_data.
    cfg.visualizer.name = f'visualizer_{osp.basename(work_dir)}'
    cfg.randomness = dict(seed=seed)
    cfg.train_dataloader.batch_size = args.batch_size
    cfg.train_dataloader.num_workers = 1
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.iters, val_interval=10 ** 9)
    warmup = max(args.iters // 10, 1)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=warmup),
        dict(type='PolyLR', eta_min=1e-6, power=1.0, begin=warmup, end=args.iters,
             by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10 ** 9)
    cfg.default_hooks.logger.interval = 25
    cfg.default_hooks.visualization = dict(type='ChangeVisualizationHook')
    cfg.val_dataloader = cfg.val_evaluator = cfg.val_cfg = None
    for loader in ('val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            cfg[loader].num_workers = 1
            cfg[loader].persistent_workers = False
    cfg.test_dataloader.dataset.indices = args.test_scenes
    if args.sar_looks != DEFAULT_SAR_LOOKS:  # a harder SAR date, in a set of its own
        for loader in (cfg.train_dataloader, cfg.test_dataloader):
            loader.dataset.sar_looks = args.sar_looks
            loader.dataset.data_root = f'{loader.dataset.data_root}_{args.sar_looks:g}look'
    cfg.train_dataloader.persistent_workers = False
    return cfg


def real_loader(hetero):
    """srf_dataset6: optical t1 (RGB) and SAR t2 stored as three equal grey channels."""
    pipeline = [dict(type='LoadMultiImageFromFile'),
                dict(type='MultiImgSelectBands', bands=[None, [0]]),
                dict(type='LoadChangeAnnotation'), dict(type='PackChangeInputs')]
    names = osp.join(os.environ.get('TMPDIR', '/tmp'), 'gold_ablation_real.txt')
    with open(names, 'w') as f:
        f.write('srf_dataset6\n')
    return dict(batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='HeteroCDDataset', data_root=hetero, ann_file=names,
                             with_optical_t2=False, pipeline=pipeline,
                             data_prefix=dict(img_path_from='A', img_path_to='B',
                                              seg_map_path='label')))


def run(key, seed, args):
    path, overrides = VARIANTS[key][1:]
    work_dir = osp.join(args.work_dir, f'{key}_seed{seed}')
    runner = Runner.from_cfg(build_cfg(path, overrides, args, seed, work_dir))
    start = time.time()
    runner.train()
    train_s = time.time() - start
    weight_cd = runner.message_hub.get_scalar('train/weight_cd').current() \
        if 'train/weight_cd' in runner.message_hub.log_scalars else None
    synthetic = runner.test()
    # The same scenes tiled at the training crop size: shows whether a model depends on the
    # input size (GOLD's channel attention pools globally, so its statistics change with it).
    configured = runner.model.test_cfg
    runner.model.test_cfg = ConfigDict(mode='slide', crop_size=CROP, stride=CROP)
    synthetic_tiled = runner.test()
    runner.model.test_cfg = configured
    real = {}
    if osp.isdir(args.hetero_dir):
        runner._test_loop = dict(type='TestLoop')
        runner._test_dataloader = real_loader(args.hetero_dir)
        runner._test_evaluator = dict(type='ChangeMetric')
        real = runner.test()
    return dict(train_s=train_s, weight_cd=weight_cd, synthetic=synthetic,
                synthetic_tiled=synthetic_tiled, real=real)


def mean_std(values):
    """``0.812`` for one value, ``0.812 ± 0.031`` (sample std) for several, ``n/a`` for none."""
    values = [v for v in values if v is not None]
    if not values:
        return 'n/a'
    if len(values) == 1:
        return f'{values[0]:.3f}'
    return f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}'


def render(records, header):
    """One table row per variant: mean ± std over its seeds, and the F1 of each seed."""
    by_variant = {}
    for record in records:
        by_variant.setdefault(record['variant'], []).append(record)
    lines = header + [
        '| variant | seeds | train s | final w_cd | synthetic F1 | synthetic IoU | '
        'synthetic Kappa | synthetic F1, tiled | real F1 | synthetic F1 per seed |',
        '|---|---|---|---|---|---|---|---|---|---|']
    for key, runs in by_variant.items():
        runs = sorted(runs, key=lambda r: r['seed'])

        def column(part, metric):
            return mean_std([r[part].get(metric) for r in runs])

        per_seed = ' / '.join(f'{r["synthetic"]["F1"]:.3f}' for r in runs)
        lines.append(
            f'| {VARIANTS[key][0]} | {",".join(str(r["seed"]) for r in runs)} | '
            f'{statistics.mean(r["train_s"] for r in runs):.0f} | '
            f'{mean_std([r["weight_cd"] for r in runs])} | {column("synthetic", "F1")} | '
            f'{column("synthetic", "IoU")} | {column("synthetic", "Kappa")} | '
            f'{column("synthetic_tiled", "F1")} | {column("real", "F1")} | {per_seed} |')
    return '\n'.join(lines) + '\n'


def train_all(args):
    """Train and score every variant at every seed; returns the JSON-able run record."""
    register_all_modules(init_default_scope=False)
    records = []
    for key in args.variants:
        for seed in args.seeds:
            records.append(dict(variant=key, seed=seed, **run(key, seed, args)))
            print(records[-1], flush=True)
    device = (f'GPU: {torch.cuda.get_device_name(0)}' if torch.cuda.is_available() else
              f'CPU: {os.cpu_count()} cores')
    notes = [
        f'Every run: half-width ResNet-18 encoders from scratch, {args.iters} iterations, batch '
        f'{args.batch_size}, 128 x 128 crops of the synthetic optical/SAR scenes '
        f'({args.sar_looks:g}-look SAR speckle). Synthetic: '
        f'change-class scores on the first {args.test_scenes} test scenes (256 x 256, A + B only); '
        'tiled: the same scenes predicted in 128 x 128 tiles (the training crop). Real: the same '
        'student applied without retraining to `hetero/srf_dataset6` (optical t1, SAR t2; '
        '465 x 827), an out-of-domain check (the real samples have no optical t2, so GOLD cannot '
        'be trained on them); n/a where the samples were not beside the checkout.', '',
        "final w_cd: the change task's weight at the last iteration (student CE + 0.4 teacher CE); "
        'the student-only baseline has weight 1 on its CE. Several seeds: mean ± sample standard '
        'deviation.', '']
    command = 'python tools/experiments/gold_ablation.py ' + ' '.join(sys.argv[1:])
    return dict(command=command.strip(), device=device, notes=notes, records=records)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=1000)
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--test-scenes', type=int, default=50)
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--sar-looks', type=float, default=DEFAULT_SAR_LOOKS,
                   help='speckle looks of the synthetic SAR date (1: single-look, the hardest)')
    p.add_argument('--variants', nargs='+', default=list(DEFAULT_VARIANTS), choices=list(VARIANTS),
                   help='which variants to train (ids of VARIANTS)')
    p.add_argument('--hetero-dir', default=osp.join(REPO, '..', 'shared', 'data', 'hetero'),
                   help='the real optical/SAR samples (read in place)')
    p.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'gold_ablation'))
    p.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'gold_ablation', 'results.md'),
                   help='Markdown table; the raw results are written beside it as .json (one run, '
                   'or with --merge the list of merged runs)')
    p.add_argument('--merge', nargs='+', metavar='JSON',
                   help='train nothing: one table from the .json files of earlier invocations '
                   '(e.g. several run side by side on one GPU)')
    args = p.parse_args()
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
    if len(runs) == 1:
        header = ['# GOLD ablation', '', f'Command: `{runs[0]["command"]}` ({runs[0]["device"]})',
                  ''] + runs[0]['notes']
        footer = []
    else:
        header = ['# GOLD ablation', '', f'{len(runs)} invocations merged (commands at the end).',
                  ''] + runs[0]['notes']
        footer = ['', '## Commands', ''] + [f'* `{r["command"]}` ({r["device"]})' for r in runs]
        footer += ['* merged by `python tools/experiments/gold_ablation.py --merge ...`']
    text = render([record for r in runs for record in r['records']], header)
    text += '\n'.join(footer) + ('\n' if footer else '')
    print(text)
    atomic_write_text(args.out, text)


if __name__ == '__main__':
    main()
