"""WHU-CD: the single large aerial pair -> 256x256 patches with a seeded random split.

    python tools/dataset_converters/whu_cd.py --t1 before.tif --t2 after.tif --label change_label.tif \
        --out data/whu_cd [--split kdmsi|padded] [--seed 0] [--overwrite]

The release is one 32507x15354 pair (0.075 m) with a 0/255 (or 0/1) change raster. Splits:

* ``kdmsi`` (default, KD-MSI): non-overlapping patches, the incomplete border strip dropped
  (126 x 59 = 7434), shuffled with ``--seed`` and split 80/10/10 -> 5947/743/744.
* ``padded`` (the other common convention, e.g. BIT-style releases): the image zero-padded to cover
  the border (127 x 60 = 7620), split 80/10/10 -> 6096/762/762.

KD-MSI's exact permutation is not published, so the patches in each split differ from theirs; the
counts match. Reads row strips with rasterio when it is installed (memory of one strip), else the
whole images. Output: {train,val,test}/{A,B,label}/whu_<y>_<x>.png, masks 0/255.
"""
import argparse

import numpy as np

from cdkd.datasets.patching import (AtomicTree, Progress, check_same_size, crop_patch,
                                    format_counts, normalise_mask, patch_origins,
                                    random_partition, read_image, split_counts)

SPLITS = dict(kdmsi=dict(pad=False, counts=dict(train=5947, val=743, test=744)),
              padded=dict(pad=True, counts=dict(train=6096, val=762, test=762)))
FRACTIONS = (0.8, 0.1, 0.1)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--t1', required=True, help='image before (e.g. before.tif)')
    parser.add_argument('--t2', required=True, help='image after (e.g. after.tif)')
    parser.add_argument('--label', required=True, help='change raster (0/255 or 0/1)')
    parser.add_argument('--out', required=True, help='output root (written atomically)')
    parser.add_argument('--split', choices=sorted(SPLITS), default='kdmsi')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random split')
    parser.add_argument('--size', type=int, default=256, help='patch size')
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args(argv)


class StripReader:
    """Rows [y, y + height) of an image: windowed rasterio reads, or slices of the whole image
    when rasterio is not installed."""

    def __init__(self, path: str):
        self.path = path
        try:
            import rasterio
        except ImportError:
            rasterio = None
        if rasterio is not None:
            self.dataset = rasterio.open(path)
            self.shape = (self.dataset.height, self.dataset.width)
            self.image = None
        else:
            self.dataset = None
            self.image = read_image(path)
            self.shape = self.image.shape[:2]

    def rows(self, y: int, height: int) -> np.ndarray:
        if self.image is not None:
            return self.image[y:y + height]
        from rasterio.windows import Window
        height = min(height, self.shape[0] - y)
        strip = self.dataset.read(window=Window(0, y, self.shape[1], height))
        return strip[0] if strip.shape[0] == 1 else np.moveaxis(strip, 0, -1)

    def close(self):
        if self.dataset is not None:
            self.dataset.close()


def main(argv=None):
    args = parse_args(argv)
    readers = [StripReader(p) for p in (args.t1, args.t2, args.label)]
    check_same_size([np.empty(r.shape) for r in readers], [r.path for r in readers])
    origins = patch_origins(*readers[0].shape, args.size, SPLITS[args.split]['pad'])
    groups = random_partition(origins, split_counts(len(origins), FRACTIONS), args.seed)
    split_of = {o: split for split, group in zip(('train', 'val', 'test'), groups) for o in group}
    tree = AtomicTree(args.out, args.overwrite)
    row_starts = sorted({y for y, _ in origins})
    progress = Progress(len(row_starts), 'WHU-CD: patching row strips')
    for y in row_starts:
        image_t1, image_t2, raw_mask = (r.rows(y, args.size) for r in readers)
        mask = normalise_mask(raw_mask, args.label)
        for x in sorted(x for oy, x in origins if oy == y):
            tree.write(split_of[(y, x)], f'whu_{y:05d}_{x:05d}',
                       *(crop_patch(a, 0, x, args.size) for a in (image_t1, image_t2, mask)))
        progress.update()
    for reader in readers:
        reader.close()
    counts = {split: tree.counts.get(split, 0) for split in ('train', 'val', 'test')}
    tree.commit()
    print(f'WHU-CD -> {args.out} (split {args.split}, seed {args.seed}): '
          f'{format_counts(counts, SPLITS[args.split]["counts"])}')
    return counts


if __name__ == '__main__':
    main()
