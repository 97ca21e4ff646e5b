"""Split a training set by each pair's change-area ratio: the training lists of MTKD's teachers.

    python tools/dataset_converters/change_area_split.py data/levir_cd/train/label \
        data/levir_cd/mtkd [--thresholds 0.05 0.2] [--label-encoding 0_255] [--overwrite]

Reads every mask in the label folder and writes, per change-area range, one ``ann_file`` (sample
names, one per line) for ``BiTemporalCDDataset``: ``teacher0_0-0.05.txt`` (ratio < 0.05),
``teacher1_0.05-0.2.txt``, ``teacher2_0.2-1.txt`` with the default thresholds. The rule is
``ChangeAreaTeacherAssigner``'s (the same function), so teacher i is trained on the pairs whose
change area it will distil; ignored pixels (255 under encodings that have one) are left out of the
ratio. Nothing is written when a range would be empty, a mask is unreadable or a list exists
already (unless --overwrite); the lists are written atomically.
"""
import argparse
import os
import os.path as osp

import cv2
import torch
from mmengine.utils import ProgressBar

from cdkd.datasets.transforms.loading import LABEL_ENCODINGS, encode_change_mask
from cdkd.models.distillers.teacher_weighting import change_area_range
from cdkd.utils.atomic_write import atomic_write_text

IMAGE_SUFFIXES = ('.png', '.tif', '.tiff', '.jpg', '.bmp')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('labels', help='folder of change masks (the training split)')
    parser.add_argument('out', help='folder for the lists')
    parser.add_argument('--thresholds', nargs='+', type=float, default=[0.05, 0.2],
                        help='ascending change-area ratios between the teachers (MTKD: 0.05 0.2)')
    parser.add_argument('--label-encoding', default='0_255', choices=LABEL_ENCODINGS)
    parser.add_argument('--overwrite', action='store_true', help='replace existing lists')
    args = parser.parse_args(argv)
    if sorted(args.thresholds) != args.thresholds or not all(
            0 < t < 1 for t in args.thresholds):
        parser.error(f'--thresholds {args.thresholds} must ascend, each in (0, 1)')
    return args


def change_ratio(path, encoding):
    mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if mask is None:
        raise ValueError(f'cannot read change mask {path}')
    if mask.ndim == 3:
        raise ValueError(f'change mask {path} has {mask.shape[2]} channels, expected one')
    mask = encode_change_mask(mask, encoding, path)
    valid = mask != 255
    return float((mask[valid] == 1).sum()) / max(int(valid.sum()), 1)


def list_names(thresholds):
    bounds = [0, *thresholds, 1]
    return [f'teacher{i}_{lo:g}-{hi:g}.txt' for i, (lo, hi) in enumerate(zip(bounds, bounds[1:]))]


def main(argv=None):
    args = parse_args(argv)
    if not osp.isdir(args.labels):
        raise FileNotFoundError(f'label folder {args.labels} does not exist')
    files = sorted(f for f in os.listdir(args.labels) if f.lower().endswith(IMAGE_SUFFIXES))
    if not files:
        raise FileNotFoundError(f'no masks ({", ".join(IMAGE_SUFFIXES)}) in {args.labels}')
    outputs = [osp.join(args.out, name) for name in list_names(args.thresholds)]
    existing = [p for p in outputs if osp.exists(p)]
    if existing and not args.overwrite:
        raise FileExistsError(f'{", ".join(existing)} exist: pass --overwrite to replace them')
    ratios, bar = [], ProgressBar(len(files))
    for name in files:
        ratios.append(change_ratio(osp.join(args.labels, name), args.label_encoding))
        bar.update()
    ranges = change_area_range(torch.tensor(ratios, dtype=torch.float64), args.thresholds)
    splits = [[osp.splitext(f)[0] for f, r in zip(files, ranges.tolist()) if r == i]
              for i in range(len(outputs))]
    counts = ', '.join(f'{osp.basename(p)}: {len(s)}' for p, s in zip(outputs, splits))
    if not all(splits):
        raise ValueError(f'{args.labels}: a change-area range holds no pair ({counts}); '
                         'choose other --thresholds')
    for path, names in zip(outputs, splits):
        atomic_write_text(path, ''.join(n + '\n' for n in names))
    print(f'\n{len(files)} pairs of {args.labels} -> {args.out}: {counts}')
    return dict(zip(outputs, splits))


if __name__ == '__main__':
    main()
