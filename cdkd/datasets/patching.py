"""Shared code of the dataset converters (tools/dataset_converters/): find pairs, cut patches,
normalise masks to 0/255, split patch lists, and write a whole output tree atomically.

Every converter reads a released dataset, cuts it into ``size x size`` patches and writes
``<out>/<split>/{A,B,label}/<name>.png`` (the layout of cdkd's dataset configs). The tree is
written to ``<out>.partial`` and renamed to ``<out>`` when complete, so an interrupted run never
leaves a tree that looks finished.
"""
import os
import os.path as osp
import shutil
import sys
import time
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp')
OUTPUT_FOLDERS = ('A', 'B', 'label')


class Pair:
    """One released sample: the t1 image, the t2 image and the change mask (paths)."""

    def __init__(self, name: str, image_t1: str, image_t2: str, label: str):
        self.name, self.image_t1, self.image_t2, self.label = name, image_t1, image_t2, label

    def paths(self) -> Tuple[str, str, str]:
        return self.image_t1, self.image_t2, self.label


def _images_by_stem(folder: str) -> Dict[str, str]:
    if not osp.isdir(folder):
        raise FileNotFoundError(f'folder {folder} does not exist')
    found = {}
    for name in sorted(os.listdir(folder)):
        stem, suffix = osp.splitext(name)
        if suffix.lower() in IMAGE_SUFFIXES:
            if stem in found:
                raise ValueError(f'{folder} holds two images named {stem}: '
                                 f'{osp.basename(found[stem])} and {name}')
            found[stem] = osp.join(folder, name)
    return found


def collect_pairs(dir_t1: str, dir_t2: str, dir_label: str) -> List[Pair]:
    """Pairs of three folders matched by file stem (suffixes may differ, e.g. .jpg and .tif);
    a file without partners is an error naming it."""
    t1, t2, label = (_images_by_stem(d) for d in (dir_t1, dir_t2, dir_label))
    if not t1:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) in {dir_t1}')
    for stems, folder in ((t2, dir_t2), (label, dir_label)):
        missing = sorted(set(t1) - set(stems))
        if missing:
            raise FileNotFoundError(f'{len(missing)} image(s) of {dir_t1} have no partner in '
                                    f'{folder}, e.g. {t1[missing[0]]}')
        extra = sorted(set(stems) - set(t1))
        if extra:
            raise FileNotFoundError(f'{len(extra)} file(s) of {folder} have no partner in '
                                    f'{dir_t1}, e.g. {stems[extra[0]]}')
    return [Pair(s, t1[s], t2[s], label[s]) for s in sorted(t1)]


def read_image(path: str) -> np.ndarray:
    """An image as stored (H x W or H x W x C, bands in file order: RGB, not BGR)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist')
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'{path} could not be decoded as an image')
    if img.ndim == 3 and img.shape[2] in (3, 4):
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB if img.shape[2] == 3 else cv2.COLOR_BGRA2RGBA)
    return img


def normalise_mask(mask: np.ndarray, path: str, threshold: bool = False) -> np.ndarray:
    """A released change mask as H x W uint8 0/255. Accepts 0/1 or 0/255 (single band or equal
    bands); ``threshold=True`` maps > 127 to change (for lossy masks). Other values are an error."""
    if mask.ndim == 3:
        if not all(np.array_equal(mask[..., 0], mask[..., c]) for c in range(1, min(3, mask.shape[2]))):
            raise ValueError(f'mask {path} has {mask.shape[2]} different bands; expected one')
        mask = mask[..., 0]
    if threshold:
        return np.where(mask > 127, 255, 0).astype(np.uint8)
    values = set(np.unique(mask).tolist())
    if values <= {0, 255}:
        return mask.astype(np.uint8)
    if values <= {0, 1}:
        return (mask * 255).astype(np.uint8)
    raise ValueError(f'mask {path} holds values {sorted(values)[:8]}; expected 0/1 or 0/255 '
                     '(use the threshold option for lossy masks)')


def patch_origins(height: int, width: int, size: int, pad: bool = False) -> List[Tuple[int, int]]:
    """Top-left corners (y, x) of non-overlapping ``size`` patches in row-major order. Without
    ``pad`` the incomplete border strip is dropped; with it the image is zero-padded to cover it."""
    rounding = (lambda n: -(-n // size)) if pad else (lambda n: n // size)
    return [(r * size, c * size) for r in range(rounding(height)) for c in range(rounding(width))]


def crop_patch(img: np.ndarray, y: int, x: int, size: int) -> np.ndarray:
    """The ``size`` patch at (y, x), zero-padded where it leaves the image."""
    patch = img[y:y + size, x:x + size]
    if patch.shape[:2] == (size, size):
        return patch
    out = np.zeros((size, size) + img.shape[2:], dtype=img.dtype)
    out[:patch.shape[0], :patch.shape[1]] = patch
    return out


def check_same_size(arrays: Sequence[np.ndarray], paths: Sequence[str]) -> None:
    shapes = [a.shape[:2] for a in arrays]
    if len(set(shapes)) != 1:
        described = ', '.join(f'{p} {s[1]}x{s[0]}' for p, s in zip(paths, shapes))
        raise ValueError(f'images of one sample differ in size: {described}')


def split_counts(total: int, fractions: Sequence[float]) -> List[int]:
    """Counts per split: ``floor(total * f)`` for all but the last, the remainder for the last
    (KD-MSI's WHU-CD split: 7434 patches at 0.8/0.1/0.1 -> 5947/743/744)."""
    counts = [int(total * f) for f in fractions[:-1]]
    return counts + [total - sum(counts)]


def random_partition(items: Sequence, counts: Sequence[int], seed: int) -> List[list]:
    """Split ``items`` into groups of ``counts`` after a seeded shuffle; groups keep input order."""
    if sum(counts) != len(items):
        raise ValueError(f'split counts {list(counts)} add up to {sum(counts)}, not {len(items)}')
    order = np.random.default_rng(seed).permutation(len(items))
    groups, start = [], 0
    for n in counts:
        groups.append([items[i] for i in sorted(order[start:start + n])])
        start += n
    return groups


class Progress:
    """``[done/total] label`` lines on stderr at most every ``interval`` seconds."""

    def __init__(self, total: int, label: str, interval: float = 2.0):
        self.total, self.label, self.interval = total, label, interval
        self.done, self.last = 0, 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.interval or self.done == self.total:
            self.last = now
            print(f'[{self.done}/{self.total}] {self.label}', file=sys.stderr, flush=True)


class AtomicTree:
    """Writes ``<split>/{A,B,label}/<name>.png`` under ``<out>.partial``; :meth:`commit` renames it
    to ``out``. An existing ``out`` is an error unless ``overwrite``."""

    def __init__(self, out_dir: str, overwrite: bool = False):
        self.out_dir = osp.abspath(out_dir)
        if osp.exists(self.out_dir) and not overwrite:
            raise FileExistsError(f'{self.out_dir} exists; remove it or pass --overwrite')
        self.work_dir = self.out_dir + '.partial'
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.counts: Dict[str, int] = {}

    def write(self, split: str, name: str, image_t1: np.ndarray, image_t2: np.ndarray,
              mask: np.ndarray) -> None:
        for folder, img in zip(OUTPUT_FOLDERS, (image_t1, image_t2, mask)):
            path = osp.join(self.work_dir, split, folder, name + '.png')
            os.makedirs(osp.dirname(path), exist_ok=True)
            if img.ndim == 3 and img.shape[2] in (3, 4):
                img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR if img.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
            if not cv2.imwrite(path, img):
                raise OSError(f'could not write {path}')
        self.counts[split] = self.counts.get(split, 0) + 1

    def move(self, name: str, from_split: str, to_split: str, new_name: str) -> None:
        """Move a written patch to another split under ``new_name`` (e.g. DSIFN-CD's train -> test
        reallocation, where both splits use the same sample names)."""
        for folder in OUTPUT_FOLDERS:
            target = osp.join(self.work_dir, to_split, folder, new_name + '.png')
            if osp.exists(target):
                raise FileExistsError(f'cannot move {name} to {to_split}: {target} exists')
            os.makedirs(osp.dirname(target), exist_ok=True)
            os.replace(osp.join(self.work_dir, from_split, folder, name + '.png'), target)
        self.counts[from_split] -= 1
        self.counts[to_split] = self.counts.get(to_split, 0) + 1

    def commit(self) -> Dict[str, int]:
        if osp.exists(self.out_dir):
            shutil.rmtree(self.out_dir)
        os.replace(self.work_dir, self.out_dir)
        return dict(self.counts)


def patch_pairs(pairs: Iterable[Pair], split: str, tree: AtomicTree, size: int, total: int,
                pad: bool = False, threshold: bool = False) -> Iterator[str]:
    """Cut every pair into ``size`` patches named ``<stem>_<y>_<x>`` (zero-padded 4-digit pixel
    offsets, BIT/ChangeFormer style), write them to ``split`` and yield the patch names."""
    progress = Progress(total, f'{split}: patching')
    for pair in pairs:
        image_t1, image_t2, raw_mask = (read_image(p) for p in pair.paths())
        check_same_size((image_t1, image_t2, raw_mask), pair.paths())
        mask = normalise_mask(raw_mask, pair.label, threshold)
        for y, x in patch_origins(*mask.shape, size, pad):
            name = f'{pair.name}_{y:04d}_{x:04d}'
            tree.write(split, name, *(crop_patch(a, y, x, size) for a in (image_t1, image_t2, mask)))
            yield name
        progress.update()


def format_counts(counts: Dict[str, int], expected: Optional[Dict[str, int]] = None) -> str:
    """``train 7120, val 1024, test 2048`` plus a note where the official count differs."""
    parts = []
    for split, n in counts.items():
        note = ''
        if expected and split in expected and expected[split] != n:
            note = f' (official full dataset: {expected[split]})'
        parts.append(f'{split} {n}{note}')
    return ', '.join(parts)
