"""Figures of tools/experiments/compression.py's results.

``f1``: from the JSONs the script wrote, one panel per dataset: the teacher's F1 (a line) and each
student arm's mean F1 (a bar, ± the population std) with every seed as a dot, and the all-change
F1 of the test set where given. Numbers only, so the figure can be committed beside the tables:

    python tools/experiments/compression_figures.py f1 docs/experiments/compression_cpu_*.json \
        --out docs/experiments/compression_f1.png

``panels``: from the folders of ``compression.py --save-predictions DIR``, test patches of one
dataset spread over their change shares (from the 30th percentile of the changed patches to the
most changed), one row each: ground truth, then every run's error map (white:
hit, red: false alarm, blue: miss, black: correct no-change). With --images the t1 / t2 images
come first. Built from the real data, so write it outside the project (the data's terms forbid
redistribution):

    python tools/experiments/compression_figures.py panels --predictions DIR --dataset levir \
        --out /tmp/levir_panels.png
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
import tempfile

import cv2
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# error-map colours (RGB): hit, false alarm, miss; correct no-change stays black
HIT, FALSE_ALARM, MISS = (255, 255, 255), (230, 40, 40), (40, 110, 255)


def _load_compression():
    from cdkd.utils.script_loader import load_script
    return load_script(osp.join(osp.dirname(osp.abspath(__file__)), 'compression.py'))


def error_map(pred, gt):
    """RGB uint8 of a binary prediction against a binary ground truth (same shape)."""
    if pred.shape != gt.shape:
        raise ValueError(f'prediction {pred.shape} and ground truth {gt.shape} differ in size')
    out = np.zeros(gt.shape + (3, ), np.uint8)
    out[pred & gt], out[pred & ~gt], out[~pred & gt] = HIT, FALSE_ALARM, MISS
    return out


def collect_results(paths):
    """``dataset -> arm -> [F1 per run]`` (in %) from the compression JSONs, in their order."""
    table = {}
    for path in paths:
        with open(path) as f:
            raw = json.load(f)
        if 'results' not in raw or 'minutes' not in raw:
            raise ValueError(f'{path}: not a JSON written by tools/experiments/compression.py')
        student = raw['args'].get('student', 'r18-half')
        for key, runs in raw['results'].items():
            dataset, arm = key.split('/', 1)
            if not arm.startswith('teacher'):
                arm = f'{arm} [{student}]'
            table.setdefault(dataset, {})[arm] = [100 * r['F1'] for r in runs]
    return table


def plot_f1(table, all_change=None):
    """One subplot per dataset; ``all_change``: dataset -> the F1 (%) of predicting change
    everywhere, drawn as a dotted line."""
    bars = [max(2, sum(not a.startswith('teacher') for a in arms)) for arms in table.values()]
    fig = Figure(figsize=(1.3 * sum(bars) + 1.0, 3.8), dpi=110, layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(table), squeeze=False, gridspec_kw=dict(width_ratios=bars))[0]
    for ax, (dataset, arms) in zip(axes, table.items()):
        students = [(arm, f1) for arm, f1 in arms.items() if not arm.startswith('teacher')]
        for i, (arm, f1) in enumerate(students):
            ax.bar(i, np.mean(f1), yerr=np.std(f1), color=f'C{i}', alpha=0.6, capsize=4)
            ax.scatter([i] * len(f1), f1, color='k', s=12, zorder=3)
        for arm, f1 in arms.items():
            if arm.startswith('teacher'):
                ax.axhline(np.mean(f1), color='k', linestyle='--', linewidth=1, label=arm)
        if all_change and dataset in all_change:
            ax.axhline(all_change[dataset], color='grey', linestyle=':', linewidth=1,
                       label='change everywhere')
        top = max([v for f1 in arms.values() for v in f1] + [all_change.get(dataset, 0)]
                  if all_change else [v for f1 in arms.values() for v in f1])
        ax.set_ylim(0, 1.12 * top)
        ax.set_xticks(range(len(students)))
        ax.set_xticklabels([arm.replace('student ', '').replace(' [', '\n[')
                            for arm, _ in students], fontsize='small')
        ax.set_title(dataset)
        ax.set_ylabel('F1 of the change class (%)')
        ax.grid(True, axis='y', alpha=0.3)
        ax.legend(fontsize='x-small', loc='best')
    return fig


def draw_panels(pred_root, dataset, shared, patches=3, images=False):
    """The figure of ``panels`` (see the module docstring)."""
    folder = osp.join(pred_root, dataset)
    runs = sorted(d for d in os.listdir(folder) if osp.isdir(osp.join(folder, d))) \
        if osp.isdir(folder) else []
    if not runs:
        raise FileNotFoundError(f'no run folders under {folder} (compression.py '
                                '--save-predictions writes them)')
    runs.sort(key=lambda r: (not r.startswith('teacher'), 'alone' not in r, r))
    tmp = tempfile.mkdtemp(prefix='cdkd_panels_')
    try:
        root = _load_compression().prepare_data(dataset, tmp, shared)
        test = osp.join(root, 'test')
        names = sorted(os.listdir(osp.join(test, 'label')))
        gts = {n: cv2.imread(osp.join(test, 'label', n), cv2.IMREAD_GRAYSCALE) > 0 for n in names}
        changed = sorted((n for n in names if gts[n].any()), key=lambda n: gts[n].mean())
        if not changed:
            raise ValueError(f'no test patch of {dataset} holds change')
        # patches spread over the change shares (not only the most changed, often saturated)
        chosen = list(dict.fromkeys(changed[round(q * (len(changed) - 1))]
                                    for q in np.linspace(0.3, 1.0, patches)))
        columns = (['t1', 't2'] if images else []) + ['ground truth'] + runs
        fig = Figure(figsize=(1.9 * len(columns), 2.0 * len(chosen)), dpi=110,
                     layout='constrained')
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(chosen), len(columns), squeeze=False)
        for row, name in zip(axes, chosen):
            tiles = []
            if images:
                tiles += [cv2.cvtColor(cv2.imread(osp.join(test, sub, name), cv2.IMREAD_COLOR),
                                       cv2.COLOR_BGR2RGB) for sub in ('A', 'B')]
            tiles.append(np.repeat(gts[name][..., None].astype(np.uint8) * 255, 3, axis=2))
            for run in runs:
                path = osp.join(folder, run, name)
                pred = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
                if pred is None:
                    raise FileNotFoundError(f'{path}: run {run} has no prediction of {name}')
                tiles.append(error_map(pred > 0, gts[name]))
            for ax, tile, title in zip(row, tiles, columns):
                ax.imshow(tile)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(title.replace('_seed', '\nseed'), fontsize='x-small')
            row[0].set_ylabel(osp.splitext(name)[0], fontsize='x-small')
        return fig
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='figure', required=True)
    f1 = sub.add_parser('f1', help='F1 per arm and seed from the JSONs')
    f1.add_argument('jsons', nargs='+')
    f1.add_argument('--all-change', nargs='+', default=[], metavar='DATASET=F1',
                    help="the test set's F1 (%%) of predicting change everywhere")
    f1.add_argument('--out', required=True)
    panels = sub.add_parser('panels', help='error maps of the saved predictions')
    panels.add_argument('--predictions', required=True, help='the --save-predictions DIR')
    panels.add_argument('--dataset', required=True)
    panels.add_argument('--patches', type=int, default=3)
    panels.add_argument('--images', action='store_true', help='show t1 and t2 too')
    panels.add_argument('--shared-data',
                        default=osp.normpath(osp.join(REPO, '..', 'shared', 'data')))
    panels.add_argument('--out', required=True)
    args = p.parse_args(argv)
    if args.figure == 'panels' and osp.abspath(args.out).startswith(osp.join(REPO, '')):
        p.error(f'--out {args.out}: panels show the real data, whose terms forbid '
                'redistribution; write them outside the project')
    return args


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, REPO)
    from cdkd.visualization.log_curves import save_figure
    if args.figure == 'f1':
        try:
            all_change = {k: float(v) for k, v in (a.split('=') for a in args.all_change)}
        except ValueError:
            raise ValueError(f'--all-change takes DATASET=F1 pairs, got {args.all_change}')
        fig = plot_f1(collect_results(args.jsons), all_change)
    else:
        fig = draw_panels(args.predictions, args.dataset, args.shared_data, args.patches,
                          args.images)
    print(save_figure(fig, args.out))


if __name__ == '__main__':
    main()
