"""SYSU-CD: verify the release in place, or copy it to the A/B/label layout.

    python tools/dataset_converters/sysu_cd.py SYSU-CD/                 # verify (cdkd reads it as is)
    python tools/dataset_converters/sysu_cd.py SYSU-CD/ --out data/sysu_cd_ab [--overwrite]

SYSU-CD/ is the release: {train,val,test}/{time1,time2,label}/*.png, 256x256, 12000/4000/4000 pairs,
masks 0/255. cdkd's SYSUCDDataset reads that layout directly, so verification is enough; ``--out``
writes {train,val,test}/{A,B,label} for tools that expect the LEVIR-style names.
"""
import argparse
import os.path as osp

from cdkd.datasets.patching import (AtomicTree, Progress, check_same_size, collect_pairs,
                                    format_counts, normalise_mask, read_image)

OFFICIAL_COUNTS = dict(train=12000, val=4000, test=4000)
RELEASE_FOLDERS = ('time1', 'time2', 'label')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='SYSU-CD root with {train,val,test}/{time1,time2,label}')
    parser.add_argument('--out', help='write an A/B/label copy here (atomically)')
    parser.add_argument('--size', type=int, default=256, help='expected image size')
    parser.add_argument('--splits', nargs='+', default=['train', 'val', 'test'])
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pairs = {split: collect_pairs(*(osp.join(args.src, split, f) for f in RELEASE_FOLDERS))
             for split in args.splits}
    tree = AtomicTree(args.out, args.overwrite) if args.out else None
    counts = {}
    for split, split_pairs in pairs.items():
        progress = Progress(len(split_pairs), f'{split}: checking')
        for pair in split_pairs:
            image_t1, image_t2, raw_mask = (read_image(p) for p in pair.paths())
            check_same_size((image_t1, image_t2, raw_mask), pair.paths())
            if image_t1.shape[:2] != (args.size, args.size):
                raise ValueError(f'{pair.image_t1} is {image_t1.shape[1]}x{image_t1.shape[0]}, '
                                 f'expected {args.size}x{args.size}')
            mask = normalise_mask(raw_mask, pair.label)
            if tree is not None:
                tree.write(split, pair.name, image_t1, image_t2, mask)
            progress.update()
        counts[split] = len(split_pairs)
    if tree is not None:
        tree.commit()
    where = f'-> {args.out}' if args.out else 'verified in place'
    print(f'SYSU-CD {where}: {format_counts(counts, OFFICIAL_COUNTS)}')
    return counts


if __name__ == '__main__':
    main()
