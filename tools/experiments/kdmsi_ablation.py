"""KD-MSI on small data: the paper's ablation (teacher CAM vs student vs +MI vs +MSI, IoU on the
training images) and the full weak pipeline (MSI pseudo labels -> Siamese DeepLabV3+ -> test).

    flock /tmp/cdkd-heavy.lock python tools/experiments/kdmsi_ablation.py [--work-dir DIR]

Datasets (built under the work dir, outside the repo; the real samples are read in place from
../shared/data and only cropped there): synthetic (generated), LEVIR-CD (256 crops of the full
tiles test_1/test_2 plus levir_cd256 for training, crops of test_3 for testing), DSIFN-CD
(128 crops of dsifn_cd256: 7 images for training, 3 for testing), AirChange (160 crops; Szada_2
and Tiszadob_5 for testing, the other 9 scenes for training) and EGY-BCD (64 crops; train_* and
val_* for training, test_* for testing). Small Siamese ResNet-18 nets
from scratch (no pretrained weights can be downloaded), AdamW: see docs/experiments/kdmsi.md.
Writes docs/experiments/kdmsi.md and WORK_DIR/results.json.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import cv2

from cdkd.utils.script_loader import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STAGE1_BASE = osp.join(REPO, 'configs/kdmsi/kdmsi_r18_96x96_20e_synthetic.py')
STAGE2_BASE = osp.join(REPO, 'configs/kdmsi/kdmsi-stage2_siamdlv3p_r50_256x256_50e_whucd.py')
MI_SCALES = 'tta_model.scales=(0.5,1.0,1.5,2.0)'  # the official MI's (multi_scale_inference.py:88)
ROWS = [  # (row, extra tools/test.py args)
    ('Teacher CAM', ['--cfg-options', 'model.test_cfg.output=teacher']),
    ('Student', []),
    ('Student + MI', ['--tta', '--cfg-options', 'tta_model.mode=mi', MI_SCALES]),
    ('Student + MSI', ['--tta']),
    ('CAM baseline (teacher + MI)', ['--tta', '--cfg-options', 'model.test_cfg.output=teacher',
                                     'tta_model.mode=mi', MI_SCALES]),
]
STAGE2_KEYS = ('OA', 'mF1', 'IoU', 'mIoU', 'FP_union', 'FN_union')
PROFILES = [('gated', []), ('ungated', ['--no-gating'])]  # (arm, extra kdmsi_pipeline args)


data = load_script(osp.join(osp.dirname(osp.abspath(__file__)), 'kdmsi_data.py'))


def dataset(root, split, pipeline):
    prefix = dict(img_path_from=f'{split}/A', img_path_to=f'{split}/B',
                  seg_map_path=f'{split}/label')
    return (f"dict(_delete_=True, type='BiTemporalCDDataset', data_root={root!r}, "
            f"data_prefix={prefix!r}, pipeline={pipeline})")


def write_configs(out, root, teacher_fusion, crop, epochs1, epochs2, seed=None):
    backbone = ("dict(type='ResNetV1c', depth=18, in_channels=3, stem_channels=8, "
                "base_channels=8, num_stages=4, out_indices=(3, ), strides=(1, 2, 2, 1), "
                "dilations=(1, 1, 1, 1), norm_cfg=dict(type='BN'), init_cfg=None)")
    common = """
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
eval_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                 dict(type='PackChangeInputs')]
default_hooks = dict(logger=dict(interval=10))
""" + (f"randomness = dict(seed={seed})\n" if seed is not None else '')
    stage1 = f"""_base_ = [{STAGE1_BASE!r}]
backbone = {backbone}
model = dict(teacher=dict(backbone=backbone, in_channels=64, fusion={teacher_fusion!r}),
             student=dict(backbone=backbone, in_channels=64, fusion='concat'))
{common}
weak_train_pipeline = [
    dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=({crop}, {crop})),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1), dict(type='PackChangeInputs')]
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset={dataset(root, 'train', 'weak_train_pipeline')})
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset={dataset(root, 'train', '{{_base_.weak_eval_pipeline}}')})
test_dataloader = val_dataloader
# the official (gated) selection keeps the checkpoint; the ungated score is logged beside it
val_evaluator = [dict(type='ThresholdSweepMetric', key='IoU', image_label_gating=True),
                 dict(type='ThresholdSweepMetric', key='IoU', prefix='ungated')]
train_cfg = dict(max_epochs={epochs1}, val_interval={max(1, epochs1 // 4)})
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end={epochs1},
                        by_epoch=True, convert_to_iter_based=True)]
"""
    stage2 = f"""_base_ = [{STAGE2_BASE!r}]
model = dict(backbone=dict(depth=18, stem_channels=8, base_channels=8, init_cfg=None),
             decode_head=dict(in_channels=64, channels=16, c1_in_channels=8, c1_channels=8))
{common}
train_pipeline = [
    dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=({crop}, {crop})),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackChangeInputs')]
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset={dataset(root, 'train', 'train_pipeline')})
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset={dataset(root, 'test', 'eval_pipeline')})
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={epochs2}, val_interval={epochs2})
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end={epochs2},
                        by_epoch=True, convert_to_iter_based=True)]
default_hooks = dict(checkpoint=dict(interval={epochs2}))
"""
    paths = osp.join(out, 'stage1.py'), osp.join(out, 'stage2.py')
    for path, text in zip(paths, (stage1, stage2)):
        with open(path, 'w') as f:
            f.write(text)
    return paths


def run(cmd, log):
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(cmd) + '\n')
        f.flush()
        subprocess.run([sys.executable, *cmd], cwd=REPO, check=True, stdout=f,
                       stderr=subprocess.STDOUT, env={**os.environ, 'PYTHONPATH': os.pathsep.join(
                           p for p in (REPO, os.environ.get('PYTHONPATH')) if p)})


def test_metrics(work_dir):
    sys.path.insert(0, osp.join(REPO, 'tools'))
    from kdmsi_pipeline import latest_metrics
    return latest_metrics(work_dir)


# name -> (prepare, teacher fusion (official README), crop, stage-1 / stage-2 epochs)
SETUPS = dict(
    synthetic=(data.prepare_synthetic, 'abs_diff', 64, 30, 30),  # 20 iterations per epoch
    levir_cd=(data.prepare_levir, 'abs_diff', 96, 120, 120),  # 5-6 iterations per epoch
    dsifn_cd=(data.prepare_dsifn, 'diff', 64, 150, 150),  # 3-4 iterations per epoch
    # no official feature choice for these two: the official script's default teacher (abs)
    airchange=(data.prepare_airchange, 'abs_diff', 96, 20, 40),  # 23 iterations per epoch
    egy_bcd=(data.prepare_egy_bcd, 'abs_diff', 64, 40, 60),  # 14 iterations per epoch
)


def run_setup(name, out):
    """Runs (or reuses, from ``out/result.json``) one setup."""
    cached = osp.join(out, 'result.json')
    if osp.isfile(cached):
        with open(cached) as f:
            return json.load(f)
    prepare, fusion, crop, epochs1, epochs2 = SETUPS[name]
    root = osp.join(out, 'data')
    if not osp.isdir(osp.join(root, 'test')):
        prepare(root)
    stage1, stage2 = write_configs(out, root, fusion, crop, epochs1, epochs2)
    log = osp.join(out, 'log.txt')
    start = time.time()
    run(['tools/kdmsi_pipeline.py', '--stage1', stage1, '--stage2', stage2, '--work-dir',
         osp.join(out, 'pipeline')], log)
    ablation = {}
    for row, extra in ROWS:
        test_dir = osp.join(out, 'ablation', row.split(' (')[0].replace(' ', '_').replace('+', ''))
        run(['tools/test.py', stage1, osp.join(out, 'pipeline', 'stage1'), '--work-dir', test_dir,
             *extra], log)
        metrics = test_metrics(test_dir)
        ablation[row] = dict(IoU=metrics['sweep/IoU'], threshold=metrics['sweep/IoU_threshold'])
        print(f'  {name:9s} {row:28s} IoU {ablation[row]["IoU"]:.4f} '
              f'(t = {ablation[row]["threshold"]:.2f})', flush=True)
    with open(osp.join(out, 'pipeline', 'results.json')) as f:
        pipeline = json.load(f)
    with open(osp.join(out, 'pipeline', 'pseudo_labels', 'pseudo_label_report.json')) as f:
        pseudo = json.load(f)
    t = pseudo['threshold']
    counts = {s: len(os.listdir(osp.join(root, s, 'A'))) for s in ('train', 'test')}
    result = dict(ablation=ablation, pseudo_threshold=t, pseudo=pseudo['sweep'][f'{t:.2f}'],
                  stage2=pipeline['stage2_test'], counts=counts,
                  minutes=(time.time() - start) / 60)
    with open(cached, 'w') as f:
        json.dump(result, f)
    return result


def selection_epochs(stage1_dir):
    """Best validation epoch of the gated (official) and of the ungated selection score, from the
    stage-1 training log (``<stamp>/vis_data/scalars.json``)."""
    runs = sorted(d for d in os.listdir(stage1_dir)
                  if osp.isfile(osp.join(stage1_dir, d, 'vis_data', 'scalars.json')))
    with open(osp.join(stage1_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        vals = [json.loads(line) for line in f if '"IoU"' in line]
    best = lambda key: max(vals, key=lambda v: (v[key], -v['step']))  # noqa: E731
    gated, ungated = best('IoU'), best('ungated/IoU')
    return dict(gated_epoch=gated['step'], ungated_epoch=ungated['step'],
                gated_IoU=gated['IoU'], ungated_IoU=ungated['ungated/IoU'])


def parse_setup(spec, default_epochs=None):
    """``NAME`` or ``NAME:STAGE1,STAGE2`` (epochs) -> (name, stage-1 epochs, stage-2 epochs)."""
    name, _, epochs = spec.partition(':')
    if name not in SETUPS:
        raise ValueError(f'unknown setup {name!r} in {spec!r}; choose from {", ".join(SETUPS)}')
    if not epochs:
        return (name, *(default_epochs or SETUPS[name][3:]))
    try:
        epochs1, epochs2 = (int(e) for e in epochs.split(','))
    except ValueError:
        raise ValueError(f'setup {spec!r}: expected NAME:STAGE1,STAGE2 epochs, e.g. levir_cd:80,80')
    return name, epochs1, epochs2


def image_label_counts(root):
    """Training images with image label 0 / 1 (any changed pixel, as ImageLevelChangeLabel)."""
    folder = osp.join(root, 'train', 'label')
    changed = [bool(cv2.imread(osp.join(folder, n), cv2.IMREAD_GRAYSCALE).any())
               for n in sorted(os.listdir(folder))]
    return dict(no_change=changed.count(False), change=changed.count(True))


def share_stage1(out, seed, epochs1):
    """Links the stage 1 and both arms' pseudo labels of a finished run of the same setup, seed
    and stage-1 config (another stage-2 budget, ``../e<epochs1>-*/seed<seed>``) into ``out``, so
    that only stage 2 reruns; returns that run's folder, or None."""
    links = [osp.join(arm, link) for arm, _ in PROFILES for link in (
        ['stage1', 'pseudo_labels'] if arm == PROFILES[0][0] else ['pseudo_labels'])]
    if any(osp.exists(osp.join(out, link)) and not osp.islink(osp.join(out, link))
           for link in links):  # a stage 1 or pseudo labels of its own were started here
        return None
    for sibling in sorted(os.listdir(osp.dirname(osp.dirname(out)))):
        other = osp.join(osp.dirname(osp.dirname(out)), sibling, f'seed{seed}')
        if (not sibling.startswith(f'e{epochs1}-') or other == out
                or not osp.isfile(osp.join(other, 'result.json'))):
            continue
        with open(osp.join(other, 'stage1.py')) as f, open(osp.join(out, 'stage1.py')) as g:
            if f.read() != g.read():
                continue
        for link in links:
            target, path = osp.realpath(osp.join(other, link)), osp.join(out, link)
            os.makedirs(osp.dirname(path), exist_ok=True)
            if not osp.lexists(path):
                os.symlink(osp.relpath(target, osp.dirname(path)), path)
        for arm, _ in PROFILES:
            os.makedirs(osp.join(out, arm, 'stages'), exist_ok=True)
            for stage in ('train_stage1', 'pseudo_labels'):
                with open(osp.join(out, arm, 'stages', f'{stage}.done'), 'w') as f:
                    json.dump(dict(shared_with=other), f)
        return other
    return None


def run_profiles(name, out, seed, epochs1, epochs2, root):
    """One seed of the gating comparison: stage 1 once (official gated selection), then MSI pseudo
    labels gated (official) and ungated, each through the same stage 2 and its official test."""
    cached = osp.join(out, 'result.json')
    if osp.isfile(cached):
        with open(cached) as f:
            result = json.load(f)
        if result.get('epochs') != [epochs1, epochs2]:
            raise ValueError(f'{cached} holds a run with epochs {result.get("epochs")}, not '
                             f'{[epochs1, epochs2]}: move it or choose another --work-dir')
        return label_differences(out, result, root)
    prepare, fusion, crop = SETUPS[name][:3]
    if not osp.isdir(osp.join(root, 'test')):
        prepare(root)
    os.makedirs(out, exist_ok=True)
    stage1, stage2 = write_configs(out, root, fusion, crop, epochs1, epochs2, seed=seed)
    log = osp.join(out, 'log.txt')
    start = time.time()
    result = dict(seed=seed, epochs=[epochs1, epochs2],
                  counts={s: len(os.listdir(osp.join(root, s, 'A'))) for s in ('train', 'test')})
    shared = share_stage1(out, seed, epochs1)
    if shared:
        result['stage1_shared_with'] = osp.relpath(shared, osp.dirname(osp.dirname(out)))
        print(f'  {name} seed {seed}: stage 1 and pseudo labels from {shared}', flush=True)
    for arm, extra in PROFILES:
        work = osp.join(out, arm)
        if arm != PROFILES[0][0]:  # reuse the official arm's stage 1
            os.makedirs(osp.join(work, 'stages'), exist_ok=True)
            if not osp.lexists(osp.join(work, 'stage1')):
                os.symlink(osp.join('..', PROFILES[0][0], 'stage1'), osp.join(work, 'stage1'))
            with open(osp.join(work, 'stages', 'train_stage1.done'), 'w') as f:
                json.dump(dict(shared_with=PROFILES[0][0]), f)
        run(['tools/kdmsi_pipeline.py', '--stage1', stage1, '--stage2', stage2, '--work-dir',
             work, *extra], log)
        with open(osp.join(work, 'results.json')) as f:
            stage2_test = json.load(f)['stage2_test']
        with open(osp.join(work, 'pseudo_labels', 'pseudo_label_report.json')) as f:
            pseudo = json.load(f)
        t = pseudo['threshold']
        result[arm] = dict(pseudo_threshold=t, pseudo=pseudo['sweep'][f'{t:.2f}'],
                           stage2={k: stage2_test[k] for k in STAGE2_KEYS})
        p = result[arm]['pseudo']
        print(f'  {name} seed {seed} {arm:8s} pseudo t={t:.2f} mIoU {p["mIoU"]:.4f} IoU '
              f'{p["IoU"]:.4f}; stage 2 IoU {stage2_test["IoU"]:.4f} mF1 {stage2_test["mF1"]:.4f}',
              flush=True)
    result['selection'] = selection_epochs(osp.join(out, PROFILES[0][0], 'stage1'))
    result['minutes'] = (time.time() - start) / 60
    with open(cached, 'w') as f:
        json.dump(result, f)
    return label_differences(out, result, root)


def label_differences(out, result, root):
    """Adds to ``result`` how many pseudo-label pixels the arms disagree on (in all, and on the
    training images of image label 0, ``root/train/label``), each arm's pseudo-label mIoU at every
    swept threshold and the second arm's IoU / mIoU at the first arm's threshold (from the
    reports): the gating's direct effect, apart from the threshold it moves."""
    (first, _), (second, _) = PROFILES
    folder = lambda arm: osp.join(out, arm, 'pseudo_labels', 'label')  # noqa: E731
    differing = total = on_no_change = 0
    for name in sorted(os.listdir(folder(first))):
        a = cv2.imread(osp.join(folder(first), name), cv2.IMREAD_GRAYSCALE)
        b = cv2.imread(osp.join(folder(second), name), cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(osp.join(root, 'train', 'label', name), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise FileNotFoundError(f'no training mask {root}/train/label/{name} for the pseudo '
                                    f'label {folder(first)}/{name}')
        differing += int((a != b).sum())
        on_no_change += 0 if mask.any() else int((a != b).sum())
        total += a.size
    result['label_pixels_differing'] = dict(pixels=differing, of=total,
                                            on_no_change_images=on_no_change)
    sweeps = {}
    for arm, _ in PROFILES:
        with open(osp.join(out, arm, 'pseudo_labels', 'pseudo_label_report.json')) as f:
            sweeps[arm] = json.load(f)['sweep']
        result[arm]['sweep_mIoU'] = {t: v['mIoU'] for t, v in sweeps[arm].items()}
    at = sweeps[second][f"{result[first]['pseudo_threshold']:.2f}"]
    result[second]['pseudo_at_other_threshold'] = dict(IoU=at['IoU'], mIoU=at['mIoU'])
    return result


def mean_std(values):
    import numpy as np
    return f'{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.3f}'


def profiles_markdown(results, command, reading=''):
    """The gating page: one section per setup spec (``results``: spec -> per-seed results, with
    ``image_labels`` counts beside them), then ``reading`` (the hand-written part, kept)."""
    lines = ['# KD-MSI: image-label gating of the pseudo labels (official vs ungated)', '',
             'Command (runs what is missing under the work dir, then writes this page and keeps '
             'its `## Reading` section):', '', f'```\n{command}\n```', '',
             'Raw results: `kdmsi_gating.json` beside this page.', '',
             'Per data set and seed: one stage-1 run (teacher + student, checkpoint chosen by the',
             'official gated selection), then MSI pseudo labels of the training images **gated**',
             '(official: image label 0 -> all background) or **ungated**, each threshold swept',
             'over 0.00..0.85 for the best training mIoU, each through the same stage 2 (Siamese',
             'DeepLabV3+ with the official plain ASPP / GroupNorm head) and tested on held-out',
             'images with the official multiscale logit-sum test. Both arms: same data, seed,',
             'budget, nets and optimiser. Held fixed (not compared here): small Siamese ResNet-18',
             'nets (8 base channels) from random init with AdamW lr 1e-3, random crops + flips;',
             "the paper's ResNet-50 / ImageNet / SGD profile needs ImageNet weights, which cannot",
             'be downloaded here, and a GPU. Each run on one CPU thread (OMP_NUM_THREADS=1). Data',
             "splits and crops: the script's docstring. Pseudo mIoU / IoU: against the training",
             'masks; stage 2: test split, change IoU (cIoU) and mF1 (paper "F1"). Mean ±',
             'sample std (ddof 1) over the seeds.', '']
    for spec, entry in results.items():
        seeds, labels = entry['seeds'], entry['image_labels']
        r0, name = seeds[0], spec.split(':')[0]
        epochs = r0['epochs']
        shared = sorted({r['stage1_shared_with'] for r in seeds if 'stage1_shared_with' in r})
        lines += [f'## {name} ({r0["counts"]["train"]} train / {r0["counts"]["test"]} test pairs, '
                  f'{epochs[0]} / {epochs[1]} epochs in stage 1 / 2)', '',
                  f'Training images with image label 0 / 1: {labels["no_change"]} / '
                  f'{labels["change"]}; random training crop {SETUPS[name][2]} px; teacher '
                  f'features {SETUPS[name][1]}.' + (
                      f' Stage 1 and both arms\' pseudo labels are those of {", ".join(shared)} '
                      '(same stage-1 config and seed); only stage 2 was rerun.' if shared else ''),
                  '', '| arm | pseudo t | pseudo mIoU | pseudo IoU | stage-2 cIoU | stage-2 mF1 '
                  '| per seed (pseudo IoU / stage-2 cIoU) |', '|---|---|---|---|---|---|---|']
        for arm, _ in PROFILES:
            get = lambda f: [f(r[arm]) for r in seeds]  # noqa: E731
            per_seed = ', '.join(f"s{r['seed']}: {r[arm]['pseudo']['IoU']:.3f} / "
                                 f"{r[arm]['stage2']['IoU']:.3f}" for r in seeds)
            lines.append(
                f"| {arm} | {', '.join(f'{t:.2f}' for t in get(lambda a: a['pseudo_threshold']))} "
                f"| {mean_std(get(lambda a: a['pseudo']['mIoU']))} "
                f"| {mean_std(get(lambda a: a['pseudo']['IoU']))} "
                f"| {mean_std(get(lambda a: a['stage2']['IoU']))} "
                f"| {mean_std(get(lambda a: a['stage2']['mF1']))} | {per_seed} |")
        diff = [r['gated']['stage2']['IoU'] - r['ungated']['stage2']['IoU'] for r in seeds]
        pdiff = [r['gated']['pseudo']['IoU'] - r['ungated']['pseudo']['IoU'] for r in seeds]
        sel = ', '.join(f"s{r['seed']}: {r['selection']['gated_epoch']} / "
                        f"{r['selection']['ungated_epoch']}" for r in seeds)
        px = ', '.join(f"s{r['seed']}: {d['pixels']} of {d['of']} ({d['on_no_change_images']} "
                       'on label-0 images)' for r in seeds for d in [r['label_pixels_differing']])
        same_t = ', '.join(f"s{r['seed']}: {r['ungated']['pseudo_at_other_threshold']['IoU']:.3f}"
                           for r in seeds)
        low = ', '.join(f"s{r['seed']}: {r['gated']['sweep_mIoU']['0.00']:.3f} / "
                        f"{r['ungated']['sweep_mIoU']['0.00']:.3f}" for r in seeds
                        if 'sweep_mIoU' in r['gated'])
        lines += ['', f'Gated - ungated: pseudo IoU {mean_std(pdiff)}, stage-2 cIoU '
                  f'{mean_std(diff)}. Pseudo-label pixels that differ between the arms at their '
                  f'chosen thresholds: {px}. Ungated pseudo IoU at the gated arm\'s threshold '
                  f'(the direct effect of the gating, without the threshold it moves): {same_t}. '
                  'Pseudo-label mIoU at threshold 0.00, gated / '
                  f'ungated: {low}. Stage-1 checkpoint epoch chosen by the gated / ungated '
                  f'selection score: {sel}. Minutes per seed: '
                  + ', '.join(f"{r['minutes']:.1f}" for r in seeds) + '.', '']
    return '\n'.join(lines) + ('\n' + reading if reading else '\n')


def markdown(results, command):
    lines = ['# KD-MSI on small data: ablation and weak pipeline', '',
             f'Command: `{command}`', '',
             'Produced by `tools/experiments/kdmsi_ablation.py` (see its docstring for the data).',
             'Small Siamese ResNet-18 (8 base channels) teacher/student/stage-2 nets trained from',
             'scratch with AdamW (lr 1e-3) on CPU: no ImageNet weights can be downloaded and the',
             "paper's SGD lr 0.001 does not move randomly initialised nets within a few hundred",
             'iterations. About 600-700 iterations per stage; the numbers show the pipeline',
             "working, not the paper's accuracy.", '',
             '## Ablation: change IoU of the change map on the training images', '',
             'Best change-class IoU over the thresholds 0.10, 0.15, ..., 0.95 (the official',
             "model-selection rule), the paper's Table 4 protocol. MSI/MI: scales 0.5, 1.0, 1.25, "
             '2.0 + width flip.', '',
             '| method | ' + ' | '.join(results) + ' |', '|---' * (len(results) + 1) + '|']
    for row, _ in ROWS:
        cells = [f"{r['ablation'][row]['IoU']:.3f} (t={r['ablation'][row]['threshold']:.2f})"
                 for r in results.values()]
        lines.append(f'| {row} | ' + ' | '.join(cells) + ' |')
    lines += ['', '## Weak pipeline: MSI pseudo labels -> Siamese DeepLabV3+', '',
              'Pseudo-label threshold by the best training mIoU over 0.00..0.90; stage 2 is tested '
              'on held-out images with the real labels. F1 = mean of both classes\' F1 (mF1), '
              'FP = FP/(TP+FP+FN), FN = FN/(TP+FP+FN) as in the paper.', '',
              '| data | train / test pairs | pseudo t | pseudo mIoU / IoU (train) | '
              + ' | '.join(STAGE2_KEYS) + ' | minutes |',
              '|---' * (len(STAGE2_KEYS) + 5) + '|']
    for name, r in results.items():
        s = r['stage2']
        lines.append(
            f"| {name} | {r['counts']['train']} / {r['counts']['test']} | "
            f"{r['pseudo_threshold']:.2f} | {r['pseudo']['mIoU']:.3f} / {r['pseudo']['IoU']:.3f} | "
            + ' | '.join(f'{s[k]:.3f}' for k in STAGE2_KEYS) + f" | {r['minutes']:.1f} |")
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='/tmp/cdkd_kdmsi_experiment')
    parser.add_argument('--setups', nargs='+', default=list(SETUPS), metavar='NAME[:E1,E2]',
                        help=f'of {", ".join(SETUPS)}; with --compare-gating a setup may name its '
                        'stage-1 / stage-2 epochs (e.g. levir_cd:80,240) and appear more than once')
    parser.add_argument('--doc', default=osp.join(REPO, 'docs/experiments/kdmsi.md'))
    parser.add_argument('--shared-data', default=data.SHARED_DEFAULT,
                        help='the real samples (read only)')
    parser.add_argument('--synthetic-no-change-prob', type=float,
                        default=data.SYNTHETIC_NO_CHANGE_PROB,
                        help='share of change-free scenes in the synthetic setup')
    parser.add_argument('--compare-gating', action='store_true',
                        help='the gated (official) vs ungated pseudo-label comparison over '
                        '--seeds instead of the ablation; writes docs/experiments/kdmsi_gating.*')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--epochs', nargs=2, type=int, metavar=('STAGE1', 'STAGE2'),
                        help="override the setups' epochs (same for every arm)")
    args = parser.parse_args()
    try:
        specs = [parse_setup(spec, args.epochs) for spec in args.setups]
    except ValueError as e:
        parser.error(str(e))
    if args.compare_gating:
        return compare_gating(args, specs)
    if any(':' in spec for spec in args.setups) or len(set(args.setups)) < len(args.setups):
        parser.error('NAME:E1,E2 and repeated setups need --compare-gating; use --epochs')
    for name, epochs1, epochs2 in specs:
        SETUPS[name] = (*SETUPS[name][:3], epochs1, epochs2)
    default_no_change = data.SYNTHETIC_NO_CHANGE_PROB
    data.SHARED, data.SYNTHETIC_NO_CHANGE_PROB = args.shared_data, args.synthetic_no_change_prob
    results = {}
    for name in args.setups:
        print(f'[kdmsi_ablation] {name}', flush=True)
        results[name] = run_setup(name, osp.join(args.work_dir, name))
        s = results[name]['stage2']
        print('  stage 2 test: ' + ', '.join(f'{k} {s[k]:.4f}' for k in STAGE2_KEYS), flush=True)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)
    command = 'flock /tmp/cdkd-heavy.lock python tools/experiments/kdmsi_ablation.py' + (
        f" --setups {' '.join(args.setups)}" if args.setups != list(SETUPS) else '') + (
        f' --shared-data {args.shared_data}' if args.shared_data != data.SHARED_DEFAULT else '') + (
        f' --synthetic-no-change-prob {args.synthetic_no_change_prob:g}'
        if args.synthetic_no_change_prob != default_no_change else '')
    from cdkd.utils.atomic_write import atomic_write_text
    atomic_write_text(args.doc, markdown(results, command))
    print(f'[kdmsi_ablation] wrote {args.doc}', flush=True)


def compare_gating(args, specs):
    data.SHARED = args.shared_data
    results = {}
    for name, epochs1, epochs2 in specs:
        print(f'[kdmsi_ablation] {name} ({epochs1} / {epochs2} epochs): gated vs ungated, seeds '
              f'{args.seeds}', flush=True)
        root = osp.join(args.work_dir, name, 'data')
        seeds = [run_profiles(name, osp.join(args.work_dir, name, f'e{epochs1}-{epochs2}',
                                             f'seed{seed}'), seed, epochs1, epochs2, root)
                 for seed in args.seeds]
        results[f'{name}:{epochs1},{epochs2}'] = dict(image_labels=image_label_counts(root),
                                                      seeds=seeds)
    command = ('python tools/experiments/kdmsi_ablation.py --compare-gating --setups '
               + ' '.join(results) + ' --seeds ' + ' '.join(map(str, args.seeds))
               + f' --work-dir {args.work_dir}')
    write_gating_page(osp.dirname(args.doc), results, command)


def write_gating_page(doc_dir, results, command):
    """Writes ``kdmsi_gating.json`` and ``kdmsi_gating.md`` in ``doc_dir``, keeping the existing
    page's hand-written ``## Reading`` section."""
    from cdkd.utils.atomic_write import atomic_write_text
    page = osp.join(doc_dir, 'kdmsi_gating.md')
    reading = ''
    if osp.isfile(page):
        with open(page) as f:
            text = f.read()
        heading = re.search(r'^## Reading$', text, re.MULTILINE)
        reading = text[heading.start():] if heading else ''
    atomic_write_text(osp.join(doc_dir, 'kdmsi_gating.json'), json.dumps(results, indent=2))
    atomic_write_text(page, profiles_markdown(results, command, reading))
    print(f'[kdmsi_ablation] wrote {page}', flush=True)


if __name__ == '__main__':
    main()
