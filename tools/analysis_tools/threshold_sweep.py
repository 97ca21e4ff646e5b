"""F1 / IoU of the change class at every probability threshold, on labelled pairs.

    python tools/analysis_tools/threshold_sweep.py CONFIG CKPT --dirs A/ B/ label/ \
        [--label-encoding 0_255] [--thresholds 0.05 0.1 ...] [--out sweep.json]

Tells a model that does not rank change (low F1 at every threshold) from one that ranks it but is
mis-calibrated (F1 0 at its own threshold, high at a lower one). Probabilities are those of
``tools/test.py`` (``inference_model``; the config's test pipeline). The best threshold is chosen
on the pairs it is measured on: a diagnostic, not a result to report as the model's score.
A distiller checkpoint is first turned into its student's with
tools/model_converters/distiller_to_detector.py.
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.utils import ProgressBar

BINS = 1000  # probability histogram resolution: thresholds are exact at multiples of 1/BINS


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--dirs', nargs=3, required=True, metavar=('DIR_T1', 'DIR_T2', 'DIR_LABEL'),
                   help='three folders with the same file names')
    p.add_argument('--label-encoding', default='0_255')
    p.add_argument('--thresholds', nargs='+', type=float,
                   default=[round(0.05 * i, 2) for i in range(1, 20)])
    p.add_argument('--out', help='also write the table as JSON (a new file)')
    args = p.parse_args(argv)
    bad = [t for t in args.thresholds if not 0 < t < 1 or abs(t * BINS - round(t * BINS)) > 1e-6]
    if bad:
        p.error(f'--thresholds {bad}: each in (0, 1), a multiple of {1 / BINS:g}')
    if args.out and osp.exists(args.out):
        p.error(f'--out {args.out} exists: pick a new file')
    return args


def histograms(model, dirs, encoding):
    """Probability histograms of the change and the no-change pixels over every pair."""
    from cdkd.apis import change_probability, inference_model
    from cdkd.datasets.transforms.loading import encode_change_mask
    names = sorted(os.listdir(dirs[2]))
    missing = [osp.join(d, n) for n in names for d in dirs[:2] if not osp.isfile(osp.join(d, n))]
    if not names or missing:
        raise FileNotFoundError(f'no labels in {dirs[2]}' if not names else
                                f'pairs without an image: {missing[:5]}')
    change, unchanged = np.zeros(BINS, np.int64), np.zeros(BINS, np.int64)
    bar = ProgressBar(len(names))
    for name in names:
        mask = cv2.imread(osp.join(dirs[2], name), cv2.IMREAD_UNCHANGED)
        if mask is None:
            raise ValueError(f'cannot read label {osp.join(dirs[2], name)}')
        gt = encode_change_mask(mask, encoding, osp.join(dirs[2], name))
        prob = change_probability(inference_model(model, [osp.join(d, name) for d in dirs[:2]]))
        if prob.shape != gt.shape:
            raise ValueError(f'{name}: prediction {prob.shape} vs label {gt.shape}')
        bins = np.clip((prob * BINS).astype(np.int64), 0, BINS - 1)
        change += np.bincount(bins[gt == 1], minlength=BINS)
        unchanged += np.bincount(bins[gt == 0], minlength=BINS)
        bar.update()
    return change, unchanged


def sweep(change, unchanged, thresholds):
    """``[{threshold, F1, IoU, precision, recall}]``; a pixel is change when prob >= threshold
    (at bin resolution)."""
    rows = []
    for t in thresholds:
        k = int(round(t * BINS))
        tp, fp = int(change[k:].sum()), int(unchanged[k:].sum())
        fn = int(change[:k].sum())
        rows.append(dict(threshold=t, F1=2 * tp / max(2 * tp + fp + fn, 1),
                         IoU=tp / max(tp + fp + fn, 1), precision=tp / max(tp + fp, 1),
                         recall=tp / max(tp + fn, 1)))
    return rows


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from cdkd.apis import init_model
    from cdkd.models.utils.export import change_threshold
    from cdkd.utils.atomic_write import atomic_write_text
    model = init_model(args.config, args.checkpoint)
    own = change_threshold(model)
    thresholds = sorted(set(args.thresholds) | {own})
    rows = sweep(*histograms(model, args.dirs, args.label_encoding), thresholds)
    best = max(rows, key=lambda r: r['F1'])
    print('\n| threshold | F1 (%) | IoU (%) | precision | recall |\n|---|---|---|---|---|')
    for r in rows:
        mark = ' (model)' if r['threshold'] == own else ''
        mark += ' (best here)' if r is best else ''
        print(f'| {r["threshold"]:g}{mark} | {100 * r["F1"]:.2f} | {100 * r["IoU"]:.2f} | '
              f'{r["precision"]:.3f} | {r["recall"]:.3f} |')
    if args.out:
        atomic_write_text(args.out, json.dumps(dict(
            config=args.config, checkpoint=args.checkpoint, dirs=args.dirs,
            model_threshold=own, rows=rows), indent=1))
    return rows


if __name__ == '__main__':
    main()
