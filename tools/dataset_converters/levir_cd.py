"""LEVIR-CD: official 1024x1024 tiles -> 256x256 non-overlapping patches (BIT/ChangeFormer/KD-MSI).

    python tools/dataset_converters/levir_cd.py LEVIR-CD/ data/levir_cd [--size 256] [--overwrite]

LEVIR-CD/ is the release: {train,val,test}/{A,B,label}/*.png (445/64/128 tiles). Writes
data/levir_cd/{train,val,test}/{A,B,label}/<tile>_<y>_<x>.png: 7120/1024/2048 patches, masks 0/255.
"""
import argparse
import os.path as osp

from cdkd.datasets.patching import AtomicTree, collect_pairs, format_counts, patch_pairs

OFFICIAL_COUNTS = dict(train=7120, val=1024, test=2048)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='LEVIR-CD root with {train,val,test}/{A,B,label}')
    parser.add_argument('out', help='output root (written atomically)')
    parser.add_argument('--size', type=int, default=256, help='patch size')
    parser.add_argument('--splits', nargs='+', default=['train', 'val', 'test'])
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pairs = {split: collect_pairs(*(osp.join(args.src, split, f) for f in ('A', 'B', 'label')))
             for split in args.splits}
    tree = AtomicTree(args.out, args.overwrite)
    for split, split_pairs in pairs.items():
        for _ in patch_pairs(split_pairs, split, tree, args.size, total=len(split_pairs)):
            pass
    counts = tree.commit()
    print(f'LEVIR-CD -> {args.out}: {format_counts(counts, OFFICIAL_COUNTS)}')
    return counts


if __name__ == '__main__':
    main()
