"""Cut co-registered optical/SAR scenes into HeteroCDDataset patches with a train/val/test split.

    python tools/preprocess_hetero.py IN_DIR OUT_DIR [--patch-size 512] [--stride 512]
        [--min-overlap 0.8] [--black-threshold 0.95] [--ratios 0.6 0.2 0.2] [--seed 0]
        [--split-by patch|scene] [--augment] [--format auto|png|tif] [--overwrite]

IN_DIR holds ``{basename}_{A|B|D|E}.{tif|png}``: A optical t1 -> ``A``, B SAR t2 -> ``B``,
D optical t2 -> ``C`` (optional, the GOLD teacher's view), E change label -> ``Label`` (0/255).
GeoTIFF footprints (rasterio if installed, else the GeoTIFF tags via tifffile) must overlap by
``--min-overlap`` of each image, and are cropped to their common area; see docs/methods/gold.md.
"""
import argparse
import sys

from cdkd.datasets.hetero_preprocess import PreprocessConfig, SceneAlignmentError, preprocess_hetero


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('in_dir')
    p.add_argument('out_dir')
    p.add_argument('--patch-size', type=int, default=512)
    p.add_argument('--stride', type=int, default=None, help='default: the patch size')
    p.add_argument('--min-overlap', type=float, default=0.8,
                   help='minimum common footprint as a fraction of every image (default 0.8)')
    p.add_argument('--black-threshold', type=float, default=0.95,
                   help='drop tiles with at least this fraction of black/nodata pixels')
    p.add_argument('--nodata', type=float, default=None, help='extra nodata value besides 0')
    p.add_argument('--ratios', type=float, nargs=3, default=(0.6, 0.2, 0.2),
                   metavar=('TRAIN', 'VAL', 'TEST'))
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--split-by', choices=('patch', 'scene'), default='patch')
    p.add_argument('--augment', action='store_true',
                   help='add flipped/rotated copies of the training patches')
    p.add_argument('--format', dest='image_format', choices=('auto', 'png', 'tif'), default='auto')
    p.add_argument('--overwrite', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = vars(parse_args(argv))
    in_dir, out_dir, overwrite = args.pop('in_dir'), args.pop('out_dir'), args.pop('overwrite')
    try:
        preprocess_hetero(in_dir, out_dir, PreprocessConfig(**args), overwrite=overwrite)
    except (SceneAlignmentError, FileExistsError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
