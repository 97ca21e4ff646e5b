"""Cut co-registered optical/SAR scenes into HeteroCDDataset patches, as the official GOLD script
(``datasets/process_and_split.py``) does by default.

    python tools/preprocess_hetero.py IN_DIR OUT_DIR [--patch-size 512] [--stride 256]
        [--no-pad-edges] [--dedup-overlap 0.8 | --no-dedup] [--black-threshold 0.95]
        [--black-level 5] [--black-roles A|all] [--ratios 0.8 0.2 0] [--disjoint-test]
        [--split-method balanced|random] [--seed 666] [--split-by patch|scene]
        [--coregistration-min-overlap 0.8] [--label-encoding auto|0_1|0_255|1_2]
        [--label-folder Label|label] [--augment] [--format auto|png|tif] [--overwrite]

IN_DIR holds ``{basename}_{A|B|D|E}.{tif|png}``: A optical t1 -> ``A``, B SAR t2 -> ``B``,
D optical t2 -> ``C`` (optional, the GOLD teacher's view), E change label -> ``Label`` (0/255;
255 also marks the zero-padding of edge tiles, ignored in training). Official defaults: 512 tiles
every 256 px with zero-padded edges; a tile overlapping an already kept one by more than 80 % of
the smaller georeferenced box is dropped (the README's "80 % overlap"); a tile >= 95 % black in A
(all bands <= 5) is dropped; 80 % train / 20 % val by a seeded greedy balance of count and
changed-pixel share, test = a copy of val (``--disjoint-test`` for a held-out test set).
cdkd's co-registration check (``--coregistration-min-overlap``, formerly ``--min-overlap``)
is a separate safety check of the scene footprints. The former cdkd behaviour:
``--stride 512 --no-pad-edges --no-dedup --black-level 0 --black-roles all --disjoint-test
--ratios 0.6 0.2 0.2 --split-method random --seed 0``. See docs/methods/gold.md.
"""
import argparse
import sys

from cdkd.datasets.hetero_preprocess import (LABEL_ENCODINGS, SPLIT_METHODS, PreprocessConfig,
                                             SceneAlignmentError, preprocess_hetero)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('in_dir')
    p.add_argument('out_dir')
    p.add_argument('--patch-size', type=int, default=512)
    p.add_argument('--stride', type=int, default=None,
                   help='default: half the patch size (50 %% overlap, official)')
    p.add_argument('--no-pad-edges', dest='pad_edges', action='store_false',
                   help='cut only full windows (default: zero-pad the edge windows)')
    p.add_argument('--dedup-overlap', type=float, default=0.8,
                   help='drop a tile overlapping a kept tile by more than this share of the '
                   'smaller georeferenced box (default 0.8, official)')
    p.add_argument('--no-dedup', dest='dedup_overlap', action='store_const', const=None)
    p.add_argument('--black-threshold', type=float, default=0.95,
                   help='drop tiles with at least this fraction of black/nodata pixels')
    p.add_argument('--black-level', type=float, default=5,
                   help='a pixel is black when all its bands are <= this (default 5, official)')
    p.add_argument('--black-roles', choices=('A', 'all'), default='A',
                   help='images checked for black tiles (default: A only, official)')
    p.add_argument('--nodata', type=float, default=None, help='extra nodata value')
    p.add_argument('--ratios', type=float, nargs=3, default=None, metavar=('TRAIN', 'VAL', 'TEST'),
                   help='default 0.8 0.2 0 (test = val), with --disjoint-test 0.6 0.2 0.2')
    p.add_argument('--disjoint-test', action='store_true',
                   help='hold out a test set of its own (the official test set is a copy of val)')
    p.add_argument('--split-method', choices=SPLIT_METHODS, default='balanced')
    p.add_argument('--seed', type=int, default=666)
    p.add_argument('--split-by', choices=('patch', 'scene'), default='patch')
    p.add_argument('--coregistration-min-overlap', '--min-overlap', type=float, default=0.8,
                   dest='coregistration_min_overlap',
                   help='co-registration safety check: the images of a scene must share this '
                   'fraction of every footprint (default 0.8)')
    p.add_argument('--label-encoding', choices=LABEL_ENCODINGS, default='auto',
                   help='needed when a mask fits two encodings (e.g. all 1: 0/1 or 1/2)')
    p.add_argument('--label-folder', choices=('Label', 'label'), default='Label',
                   help="output label folder ('label' is the official name)")
    p.add_argument('--augment', action='store_true',
                   help='add flipped/rotated copies of the training patches')
    p.add_argument('--format', dest='image_format', choices=('auto', 'png', 'tif'), default='auto')
    p.add_argument('--overwrite', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = vars(parse_args(argv))
    in_dir, out_dir, overwrite = args.pop('in_dir'), args.pop('out_dir'), args.pop('overwrite')
    disjoint = args.pop('disjoint_test')
    if args['ratios'] is None:
        args['ratios'] = (0.6, 0.2, 0.2) if disjoint else (0.8, 0.2, 0.0)
    try:
        preprocess_hetero(in_dir, out_dir, PreprocessConfig(test_from_val=not disjoint, **args),
                          overwrite=overwrite)
    except (SceneAlignmentError, FileExistsError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
