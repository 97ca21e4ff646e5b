"""DSIFN-CD: 512x512 release -> 256x256 patches, with KD-MSI's reallocation of training patches.

    python tools/dataset_converters/dsifn_cd.py DSIFN-CD/ data/dsifn_cd [--reallocate 1638] [--seed 0]

DSIFN-CD/ is the release: {train,val,test}/{t1,t2,mask} (3600/340/48 samples of 512x512; images
.jpg, masks .png, test masks .tif). Each sample becomes four 256x256 patches (14400/1360/192), then
``--reallocate`` training patches (KD-MSI: 1638, drawn with ``--seed``) move to test:
12762/1360/1830 (moved patches are renamed train_<name>). ``--reallocate 0`` keeps the original allocation. Output:
{train,val,test}/{A,B,label}/<name>_<y>_<x>.png, masks 0/255.
"""
import argparse
import os.path as osp

from cdkd.datasets.patching import (AtomicTree, collect_pairs, format_counts, patch_pairs,
                                    random_partition)

KDMSI_REALLOCATED = 1638
OFFICIAL_COUNTS = {KDMSI_REALLOCATED: dict(train=12762, val=1360, test=1830),
                   0: dict(train=14400, val=1360, test=192)}
RELEASE_FOLDERS = ('t1', 't2', 'mask')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='DSIFN-CD root with {train,val,test}/{t1,t2,mask}')
    parser.add_argument('out', help='output root (written atomically)')
    parser.add_argument('--size', type=int, default=256, help='patch size')
    parser.add_argument('--reallocate', type=int, default=KDMSI_REALLOCATED,
                        help='training patches moved to test (KD-MSI: 1638; 0: none)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the reallocation draw')
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pairs = {split: collect_pairs(*(osp.join(args.src, split, f) for f in RELEASE_FOLDERS))
             for split in ('train', 'val', 'test')}
    tree = AtomicTree(args.out, args.overwrite)
    names = {split: list(patch_pairs(split_pairs, split, tree, args.size, total=len(split_pairs)))
             for split, split_pairs in pairs.items()}
    if args.reallocate > len(names['train']):
        raise ValueError(f'--reallocate {args.reallocate} exceeds the {len(names["train"])} '
                         'training patches')
    _, moved = random_partition(names['train'],
                                [len(names['train']) - args.reallocate, args.reallocate], args.seed)
    for name in moved:
        tree.move(name, 'train', 'test', new_name=f'train_{name}')
    counts = tree.commit()
    print(f'DSIFN-CD -> {args.out} ({args.reallocate} train patches moved to test, seed '
          f'{args.seed}): {format_counts(counts, OFFICIAL_COUNTS.get(args.reallocate))}')
    return counts


if __name__ == '__main__':
    main()
