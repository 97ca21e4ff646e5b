"""Compression distillation under a small CPU budget: a trained teacher, the student alone and the
distilled student at equal budget, >= 3 seeds, beside params, FLOPs and the measured speed-up.

Teacher: Siamese ResNet-18 + FPN (configs/siamese/siamfpn_r18_256x256_40k_levircd.py), trained
once (seed 0) for --teacher-iters. Student (--student): the half-width ResNet-18 + FPN, the
MobileNetV2 + FPN or TinyCD of configs/compression/, trained for --iters alone and as the student of
TeacherStudentDistiller with --distill (``cwd``: configs/_base_/distillers/cwd_logits.py, CWD on
the logits, tau 1, weight 3; ``kd``: pixel KL, T 4, x T^2; ``cwd-feat``: CWD on the logits plus
MSE on the fused stride-4 and stride-32 features through learnable 1x1 conv + BN connectors from
the student's widths to the teacher's), same data, augmentation, optimiser and schedule, seeds
--seeds. All from random initialisation (no ImageNet weights offline).

Data: the deterministic splits of tools/experiments/stkd_vs_baseline.py, and ``ombria`` (optical
t1 / SAR t2 of ../shared/data/ombria_gold, the fixed 166 / 42 split of
configs/_base_/datasets/splits; the 1-band SAR is read as 3 equal bands), read in place (derived
patches and links go to a temporary folder, deleted at the end); training crops are re-drawn (up
to 10 times, mmseg's cat_max_ratio=0.9) when one class covers > 90 % of the crop, for every arm.

A teacher trained here is kept with --teacher-work-dir DIR (its checkpoints stay in DIR; otherwise
everything goes to a temporary folder deleted at the end); --teacher-eval-interval N also tests and
checkpoints it every N iterations on the held-out patches and records that curve in the JSON.

Run (heavy: one CPU slot, one thread):
    OMP_NUM_THREADS=1 python tools/experiments/compression.py
or split over processes with --arms/--seeds/--out (and --bench-size 0 in all but one), then merge
their JSONs: python tools/experiments/compression.py --from-json a.json b.json
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from cdkd.utils.script_loader import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEACHER = osp.join(REPO, 'configs/siamese/siamfpn_r18_256x256_40k_levircd.py')
# --student: (what the report calls it, config)
STUDENTS = {
    'r18-half': ('half-width ResNet-18 + FPN',
                 osp.join(REPO, 'configs/compression/siamfpn_r18-half_256x256_40k_levircd.py')),
    'mnv2': ('MobileNetV2 + FPN',
             osp.join(REPO, 'configs/compression/siamfpn_mnv2_256x256_40k_levircd.py')),
    'tinycd': ('TinyCD (MobileNetV2 layers 1-3)',
               osp.join(REPO, 'configs/compression/tinycd_mnv2_256x256_40k_levircd.py'))}
OMBRIA_SPLITS = osp.join(REPO, 'configs/_base_/datasets/splits/ombria_gold_{}.txt')
CWD = osp.join(REPO, 'configs/_base_/distillers/cwd_logits.py')


STKD_VS_BASELINE = load_script(osp.join(REPO, 'tools/experiments/stkd_vs_baseline.py'))

ARMS = ('teacher', 'alone', 'distilled')
# settings that JSONs merged into one table must share, by the arms each JSON ran (a teacher-only
# run has no student --iters; the arm names the distillation loss, so cwd and kd runs merge)
MERGE_KEYS = dict(teacher=('datasets', 'crop', 'batch', 'lr', 'teacher_iters'),
                  alone=('datasets', 'crop', 'batch', 'lr', 'iters', 'student'),
                  distilled=('datasets', 'crop', 'batch', 'lr', 'teacher_iters', 'iters',
                             'student'))
# settings added after JSONs were committed: what those JSONs ran with
DEFAULT_ARGS = dict(student='r18-half')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--datasets', nargs='+', default=['levir'],
                   choices=[d for d in STKD_VS_BASELINE.DATASETS if d != 'synthetic'] +
                   ['ombria'])
    p.add_argument('--student', default='r18-half', choices=list(STUDENTS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--arms', nargs='+', default=list(ARMS), choices=list(ARMS),
                   help='which arms this invocation runs (teacher: test it; alone / distilled: '
                        'train the student per seed)')
    p.add_argument('--teacher-iters', type=int, default=800)
    p.add_argument('--teacher-checkpoint', metavar='PTH',
                   help='reuse a teacher this script trained (with the same --teacher-iters and '
                        'data; one dataset): tested, not retrained')
    p.add_argument('--teacher-work-dir', metavar='DIR',
                   help='train the teacher in DIR and keep its checkpoints there (DIR must hold '
                        'no iter_*.pth yet); default: a temporary folder')
    p.add_argument('--teacher-eval-interval', type=int, default=0, metavar='N',
                   help='while training the teacher, test and checkpoint it every N iterations '
                        '(0: only at the end); the curve goes into the JSON and the table')
    p.add_argument('--iters', type=int, default=700, help='student iterations (both arms)')
    p.add_argument('--crop', type=int, default=64)
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--lr', type=float, default=2e-3, help='AdamW learning rate (every run)')
    p.add_argument('--distill', default='cwd', choices=['cwd', 'kd', 'cwd-feat'])
    p.add_argument('--save-predictions', metavar='DIR',
                   help="write every run's test predictions (0/255 PNG per test patch) to "
                        'DIR/<dataset>/<run>/ (outside the data; never into an existing run '
                        'folder)')
    p.add_argument('--bench-size', type=int, default=256, help='benchmark input side (0: skip)')
    p.add_argument('--bench-scene', type=int, default=1024, help='scene side (0: skip)')
    p.add_argument('--shared-data', default=osp.normpath(osp.join(REPO, '..', 'shared', 'data')))
    p.add_argument('--from-json', nargs='+', metavar='JSON',
                   help='no training: merge the JSONs of earlier invocations (same settings, e.g. '
                        'arms or seeds run in parallel) into one table and JSON at --out')
    p.add_argument('--out', default=osp.join(REPO, 'docs/experiments/compression_cpu.md'))
    args = p.parse_args(argv)
    if args.teacher_work_dir and args.teacher_checkpoint:
        p.error('--teacher-work-dir trains a teacher, --teacher-checkpoint reuses one: give one')
    if args.teacher_eval_interval < 0 or (
            args.teacher_eval_interval and args.teacher_iters % args.teacher_eval_interval):
        p.error(f'--teacher-eval-interval {args.teacher_eval_interval} must divide '
                f'--teacher-iters {args.teacher_iters}')
    if args.save_predictions and osp.abspath(args.save_predictions).startswith(
            osp.join(osp.abspath(args.shared_data), '')):
        p.error(f'--save-predictions {args.save_predictions} lies inside the data '
                f'({args.shared_data}): write predictions elsewhere')
    if args.distill == 'cwd-feat' and args.student == 'tinycd':
        p.error('--distill cwd-feat distils the FPN inputs; --student tinycd has no FPN '
                '(use cwd or kd)')
    return args


class CurveHook(Hook):
    """Records the change-class F1 and IoU of every validation during training."""
    priority = 'LOWEST'

    def __init__(self):
        self.points = []

    def after_val_epoch(self, runner, metrics=None):
        self.points.append(dict(iter=runner.iter, F1=float(metrics['F1']),
                                IoU=float(metrics['IoU'])))


def distiller_cfg(kind, student, teacher):
    """The ``ConfigurableDistiller`` of --distill ``kind`` between two model configs."""
    logits = dict(type='ModuleOutputs', source='decode_head.conv_seg')
    # the teacher's 2-class logits meet a single-logit student (TinyCD) through the connector
    logit_channels = student.decode_head.get('out_channels') or student.decode_head.num_classes
    if kind == 'kd':
        cfg = dict(type='ConfigurableDistiller', student_recorders=dict(logits=logits),
                   teacher_recorders=dict(logits=logits),
                   distill_losses=dict(loss_kd=dict(type='PixelKLDivLoss', temperature=4.0)),
                   loss_forward_mappings=dict(loss_kd=dict(
                       student=dict(from_student=True, recorder='logits'),
                       teacher=dict(from_student=False, recorder='logits',
                                    connector='logits_t'))))
    else:
        cfg = Config.fromfile(CWD).distiller.to_dict()
    cfg['connectors'] = dict(logits_t=dict(type='ChangeLogitConnector',
                                           out_channels=logit_channels))
    if kind == 'cwd-feat':
        fused = dict(type='ModuleOutputs', source='neck')
        cfg['student_recorders']['fused'] = cfg['teacher_recorders']['fused'] = fused
        for level in (0, 3):  # the finest and the deepest fused level (stride 4 and 32)
            cfg['connectors'][f'fused{level}_s'] = dict(
                type='ConvModuleConnector', in_channel=student.decode_head.in_channels[level],
                out_channel=teacher.decode_head.in_channels[level], norm_cfg=dict(type='BN'),
                act_cfg=None)
            cfg['distill_losses'][f'loss_fused{level}'] = dict(type='FeatureDistillLoss')
            cfg['loss_forward_mappings'][f'loss_fused{level}'] = dict(
                student=dict(from_student=True, recorder='fused', data_idx=level,
                             connector=f'fused{level}_s'),
                teacher=dict(from_student=False, recorder='fused', data_idx=level))
    return cfg


def build_cfg(config, data_root, seed, iters, args, work_dir, teacher_ckpt=None,
              eval_interval=0, predictions=None, sar_t2=False):
    """``eval_interval``: also test (as validation) and checkpoint every that many iterations;
    ``predictions``: a folder for the final test's change masks (0/255 PNG per test patch);
    ``sar_t2``: t2 is a 1-band SAR image (OMBRIA), given to the networks as 3 equal bands."""
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None  # random init for every run (no ImageNet weights offline)
    # the distiller feeds the student's padded batch to the teacher: pad to both divisors, in
    # both student arms alike (every crop and test patch here is a multiple of 32 anyway)
    teacher_pp = Config.fromfile(TEACHER).model.data_preprocessor
    cfg.model.data_preprocessor.size_divisor = math.lcm(cfg.model.data_preprocessor.size_divisor,
                                                        teacher_pp.size_divisor)
    if teacher_ckpt is not None:
        teacher = Config.fromfile(TEACHER).model
        cfg.model = dict(type='TeacherStudentDistiller', architecture=cfg.model.to_dict(),
                         teacher=dict(model=teacher.to_dict(),
                                      checkpoint=teacher_ckpt),  # trained: its init is unused
                         distiller=distiller_cfg(args.distill, cfg.model, teacher))
    train_pipeline = [
        dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
        dict(type='MultiImgRandomCrop', crop_size=(args.crop, args.crop), cat_max_ratio=0.9),
        dict(type='MultiImgRandomRotate90', prob=0.5),
        dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
        dict(type='MultiImgPhotoMetricDistortion'),
        dict(type='RandomTemporalExchange', prob=0.5),
        dict(type='PackChangeInputs')]
    if sar_t2:  # optical t1 and SAR t2 are not exchangeable (GOLD's pipeline has no exchange)
        train_pipeline = [t for t in train_pipeline if t['type'] != 'RandomTemporalExchange']
    STKD_VS_BASELINE.use_patch_splits(cfg, data_root, train_pipeline, args.batch, iters)
    if sar_t2:
        for loader in (cfg.train_dataloader, cfg.test_dataloader):
            loader.dataset.pipeline.insert(1, dict(type='MultiImgSelectBands',
                                                   bands=[None, [0, 0, 0]]))
    cfg.optim_wrapper = dict(type='OptimWrapper', optimizer=dict(
        type='AdamW', lr=args.lr, betas=(0.9, 0.999), weight_decay=0.01))
    warmup = max(1, iters // 10)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=warmup),
        dict(type='PolyLR', eta_min=1e-6, power=1.0, begin=warmup, end=iters, by_epoch=False)]
    if eval_interval:
        cfg.val_dataloader = cfg.test_dataloader.copy()
        cfg.val_evaluator = cfg.test_evaluator
        cfg.val_cfg = dict(type='ValLoop')
        cfg.train_cfg.val_interval = eval_interval
    if predictions:
        cfg.test_evaluator = dict(cfg.test_evaluator, output_dir=predictions)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=eval_interval or iters)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50, log_metric_by_epoch=False)
    cfg.default_hooks.pop('visualization', None)
    cfg.custom_hooks = [dict(type='CheckInvalidLossHook')]
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    cfg.visualizer.name = f'visualizer_{osp.basename(work_dir)}'
    cfg.log_level = 'WARNING'
    return cfg


def prediction_dir(args, dataset, arm, seed):
    """``DIR/<dataset>/<arm>_<student>_seed<k>`` of --save-predictions (None without it)."""
    if not args.save_predictions:
        return None
    name = arm.split(' (')[0].replace(' + ', '_').replace(' ', '_')
    if name != 'teacher':
        name += f'_{args.student}'
    out = osp.join(args.save_predictions, dataset, f'{name}_seed{seed}')
    if osp.isdir(out) and os.listdir(out):
        raise FileExistsError(f'{out} already holds predictions: pick another --save-predictions')
    return out


def run(cfg, checkpoint=None):
    """Train (or, with ``checkpoint``, load) and test; the validations during training, if any,
    come back as ``curve``."""
    cfg.load_from = checkpoint
    runner = Runner.from_cfg(cfg)
    curve = CurveHook()
    runner.register_hook(curve)
    if checkpoint is None:
        runner.train()
    metrics = runner.test()
    result = {k: float(v) for k, v in metrics.items() if np.isscalar(v)}
    return dict(result, curve=curve.points) if curve.points else result


def prepare_data(name, root, shared):
    """``root/<name>/{train,test}/{A,B,label}`` (links or patches); returns that folder."""
    if name != 'ombria':
        return STKD_VS_BASELINE.prepare_data(name, root, shared)
    src, out = osp.join(shared, 'ombria_gold'), osp.join(root, name)
    for split, listed in (('train', 'train'), ('test', 'val')):
        with open(OMBRIA_SPLITS.format(listed)) as f:
            ids = f.read().split()
        for sub, dst in (('A', 'A'), ('B', 'B'), ('Label', 'label')):  # B: the SAR image
            os.makedirs(osp.join(out, split, dst))
            for name_id in ids:
                path = osp.join(src, sub, f'{name_id}.png')
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{path} (listed in {OMBRIA_SPLITS.format(listed)}) '
                                            'is missing')
                os.symlink(path, osp.join(out, split, dst, f'{name_id}.png'))
    return out


def mean_std(values):
    return f'{100 * np.mean(values):.2f} ± {100 * np.std(values):.2f}'


def write_report(path, results, bench, args, minutes, command=None):
    from cdkd.utils.atomic_write import atomic_write_text
    bench_tool = load_script(osp.join(REPO, 'tools/benchmarks/teacher_student.py'))
    command = command or 'OMP_NUM_THREADS=1 python tools/experiments/compression.py ' + ' '.join(
        sys.argv[1:])
    lines = [
        '# Compression distillation (small CPU budget)', '',
        f'Command: `{command}` (one CPU thread each); raw results: '
        f'[{osp.basename(path)[:-3]}.json]({osp.basename(path)[:-3]}.json).', '',
        f'Teacher: Siamese ResNet-18 + FPN, {args.teacher_iters} iterations (seed 0). Student: '
        f'{STUDENTS[args.student][0]}, {args.iters} iterations alone and distilled '
        f'({args.distill}), seeds {args.seeds}. Every run: batch {args.batch}, random '
        f'{args.crop} x {args.crop} crops (cat_max_ratio 0.9) with flips/rot90/photometric/'
        'temporal exchange' + (' (not on OMBRIA, whose 1-band SAR t2 goes in as 3 equal '
                               'bands)' if 'ombria' in args.datasets else '') +
        f', AdamW lr {args.lr:g} with 10 % warm-up and poly decay, random init; '
        'tested on the full held-out patches (the splits of the docstring of '
        'tools/experiments/compression.py). '
        'F1 and IoU of the change class in percent, mean ± population std over seeds, per-seed '
        'values in brackets.', '',
        '| dataset | model | F1 (%) | IoU (%) | F1 per seed | IoU per seed |',
        '|---|---|---|---|---|---|']
    for (dataset, arm), runs in results.items():
        f1, iou = [r['F1'] for r in runs], [r['IoU'] for r in runs]
        seeds = [r['seed'] for r in runs if 'seed' in r]
        only = f' (seeds {", ".join(map(str, seeds))} only)' if seeds and seeds != list(
            args.seeds) else ''
        lines.append(f'| {dataset} | {arm}{only} | {mean_std(f1)} | {mean_std(iou)} | '
                     f'[{", ".join(f"{100 * v:.2f}" for v in f1)}] | '
                     f'[{", ".join(f"{100 * v:.2f}" for v in iou)}] |')
    for (dataset, arm), runs in results.items():
        for r in runs:
            if r.get('curve'):
                lines += ['', f'{dataset} {arm}, tested during its training (F1 / IoU, %): ' +
                          ', '.join(f'{p["iter"]} it {100 * p["F1"]:.2f} / {100 * p["IoU"]:.2f}'
                                    for p in r['curve']) + '.']
    if bench:
        lines += ['', f'Deployed networks (ChangeProbabilityNet), {args.bench_size} x '
                  f'{args.bench_size} inputs, one CPU thread on the shared machine (other jobs '
                  'running: the ratios are the reading, not the absolute times):', '']
        lines += bench_tool.markdown_table(bench, args.bench_size, 4)
    lines += ['', f'Total wall time: {minutes:.1f} min (summed over invocations).', '']
    atomic_write_text(path, '\n'.join(lines))
    atomic_write_text(path[:-3] + '.json', json.dumps(dict(
        command=command, args={k: v for k, v in vars(args).items()},
        results={f'{d}/{a}': runs for (d, a), runs in results.items()}, benchmark=bench,
        minutes=minutes), indent=1))


def merge_reports(paths, out):
    """Rebuild the table and JSON at ``out`` from the JSONs of earlier invocations."""
    raws = []
    for path in paths:
        with open(path) as f:
            raw = json.load(f)
        if 'minutes' not in raw:
            raise ValueError(f'{path}: not a JSON written by this script (no "minutes")')
        raw['args'] = dict(DEFAULT_ARGS, **raw['args'])
        raws.append(raw)
    keys = [{k for arm in raw['args'].get('arms', ARMS) for k in MERGE_KEYS[arm]} for raw in raws]
    for key in dict.fromkeys(k for arm in ARMS for k in MERGE_KEYS[arm]):
        have = [(path, raw['args']) for path, raw, k in zip(paths, raws, keys) if key in k]
        for path, args in have[1:]:
            if args[key] != have[0][1][key]:
                raise ValueError(f'{path} was run with other settings than {have[0][0]}: '
                                 f'{key} {args[key]!r} vs {have[0][1][key]!r}')
    benches = [raw['benchmark'] for raw in raws if raw['benchmark']]
    if len(benches) > 1:
        raise ValueError(f'{len(benches)} of {paths} hold a benchmark: run it in one only')
    results = {}
    for raw in raws:
        for key, runs in raw['results'].items():
            have = results.setdefault(key, [])
            seeds = {r.get('seed') for r in have}
            clash = [r.get('seed') for r in runs if r.get('seed') in seeds]
            if clash:
                raise ValueError(f'{key} seed(s) {clash} appear in more than one of {paths}')
            have.extend(runs)
    arm_order = {a: i for i, a in enumerate(('teacher', 'student alone', 'student +'))}
    results = {tuple(key.split('/', 1)): sorted(runs, key=lambda r: r.get('seed', -1))
               for key, runs in sorted(results.items(), key=lambda kv: (
                   kv[0].split('/')[0], min(i for a, i in arm_order.items()
                                            if kv[0].split('/', 1)[1].startswith(a)), kv[0]))}
    args = argparse.Namespace(**raws[0]['args'])
    for key in ('teacher_iters', 'iters'):  # from a JSON that ran an arm they apply to
        setattr(args, key, next((raw['args'][key] for raw, k in zip(raws, keys) if key in k),
                                getattr(args, key)))
    students = [raw for raw in raws if {'alone', 'distilled'} & set(raw['args'].get('arms', ARMS))]
    args.seeds = sorted({s for raw in students or raws for s in raw['args']['seeds']})
    args.arms = [a for a in ARMS if any(a in raw['args'].get('arms', ARMS) for raw in raws)]
    args.distill = ', '.join(sorted({raw['args']['distill'] for raw in raws if 'distilled' in raw[
        'args'].get('arms', ARMS)} or {raws[0]['args']['distill']}))
    bench_args = next((raw['args'] for raw in raws if raw['benchmark']), None)
    if bench_args:
        args.bench_size = bench_args['bench_size']
    command = ' ; '.join([raw['command'] for raw in raws] + [
        'python tools/experiments/compression.py ' + ' '.join(sys.argv[1:])])
    write_report(out, results, benches[0] if benches else None, args,
                 sum(raw['minutes'] for raw in raws), command)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, REPO)
    if args.from_json:
        merge_reports(args.from_json, args.out)
        print(open(args.out).read())
        return
    from cdkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    start, results, bench = time.time(), {}, None
    if args.teacher_work_dir and glob.glob(osp.join(args.teacher_work_dir, 'iter_*.pth')):
        raise FileExistsError(f'--teacher-work-dir {args.teacher_work_dir} already holds '
                              'checkpoints: reuse one with --teacher-checkpoint or pick a new DIR')
    tmp_root = tempfile.mkdtemp(prefix='cdkd_compression_')

    def log(msg):
        print(f'[{(time.time() - start) / 60:5.1f} min] {msg}', flush=True)

    try:
        for dataset in args.datasets:
            data_root = prepare_data(dataset, tmp_root, args.shared_data)
            work = args.teacher_work_dir or osp.join(tmp_root, 'work', f'{dataset}_teacher')
            if (args.teacher_checkpoint or args.teacher_work_dir) and len(args.datasets) > 1:
                raise ValueError('--teacher-checkpoint / --teacher-work-dir serve one dataset')
            teacher_ckpt = args.teacher_checkpoint or osp.join(
                work, f'iter_{args.teacher_iters}.pth')
            if 'teacher' in args.arms:
                results[(dataset, 'teacher (R18 FPN)')] = [run(build_cfg(
                    TEACHER, data_root, 0, args.teacher_iters, args, work,
                    eval_interval=args.teacher_eval_interval,
                    predictions=prediction_dir(args, dataset, 'teacher', 0),
                    sar_t2=dataset == 'ombria'),
                    args.teacher_checkpoint)]
                log(f'{dataset} teacher: {results[(dataset, "teacher (R18 FPN)")][0]}')
            elif not args.teacher_checkpoint and 'distilled' in args.arms:
                raise ValueError('--arms without teacher needs --teacher-checkpoint')
            arms = [(name, ckpt) for key, name, ckpt in (
                ('alone', 'student alone', None),
                ('distilled', f'student + {args.distill}', teacher_ckpt)) if key in args.arms]
            for seed in args.seeds:
                for arm, ckpt in arms:
                    work_dir = osp.join(tmp_root, 'work', f'{dataset}_{arm[:9]}_{seed}'
                                        .replace(' ', '_'))
                    metrics = run(build_cfg(
                        STUDENTS[args.student][1], data_root, seed, args.iters, args, work_dir,
                        ckpt, predictions=prediction_dir(args, dataset, arm, seed),
                        sar_t2=dataset == 'ombria'))
                    results.setdefault((dataset, arm), []).append(dict(metrics, seed=seed))
                    log(f'{dataset} {arm} seed {seed}: F1 {100 * metrics["F1"]:.2f} '
                        f'IoU {100 * metrics["IoU"]:.2f}')
                    write_report(args.out, results, bench, args, (time.time() - start) / 60)
        if args.bench_size:
            bench_tool = load_script(osp.join(REPO, 'tools/benchmarks/teacher_student.py'))
            nets = {name: bench_tool.load_network(cfg) for name, cfg in
                    (('teacher (R18 FPN)', TEACHER),
                     (f'student ({STUDENTS[args.student][0]})', STUDENTS[args.student][1]))}
            bench = bench_tool.compare(nets, size=args.bench_size, batch=4,
                                       scene=args.bench_scene)
        write_report(args.out, results, bench, args, (time.time() - start) / 60)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    print(open(args.out).read())


if __name__ == '__main__':
    torch.set_num_threads(1)
    main()
