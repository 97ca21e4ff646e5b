"""Generate the synthetic change-detection set that SyntheticCDDataset uses.

    python tools/generate_synthetic.py data/synthetic_cd
    python tools/generate_synthetic.py data/synthetic_hetero_cd --with-sar --train 400

Writes OUT_DIR/{train,val,test}/{A,B,label} (or {A,B,C,Label} with --with-sar) atomically, so an
interrupted run leaves nothing half-written. If OUT_DIR already holds a set with the same
parameters nothing is done; with different parameters it stops unless --force is given.
"""
import argparse
import os.path as osp
import shutil
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from cdkd.datasets.synthetic_dataset import ensure_synthetic_cd  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', help='output folder, e.g. data/synthetic_cd')
    parser.add_argument('--train', type=int, default=800, help='training scenes')
    parser.add_argument('--val', type=int, default=100, help='validation scenes')
    parser.add_argument('--test', type=int, default=200, help='test scenes')
    parser.add_argument('--size', type=int, default=256, help='scene side in pixels')
    parser.add_argument('--seed', type=int, default=0, help='base seed')
    parser.add_argument('--with-sar', action='store_true',
                        help='heterogeneous layout: A optical t1, B SAR t2, C optical t2, Label')
    parser.add_argument('--force', action='store_true',
                        help='delete OUT_DIR first if it holds other synthetic data')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    splits = dict(train=args.train, val=args.val, test=args.test)
    if args.force and osp.isdir(args.out_dir):
        shutil.rmtree(args.out_dir)
    start = time.time()
    try:
        root = ensure_synthetic_cd(args.out_dir, splits=splits, size=args.size, seed=args.seed,
                                   with_sar=args.with_sar, progress=True)
    except ValueError as e:  # a set with other parameters is there
        sys.exit(f'error: {e} (or pass --force)')
    print(f'synthetic data ready in {root} ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    main()
