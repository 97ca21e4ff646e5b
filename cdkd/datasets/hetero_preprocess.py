"""Turn co-registered optical/SAR scenes into the HeteroCDDataset layout (tools/preprocess_hetero.py).

Input scenes are files ``{basename}_{A|B|D|E}.{tif|tiff|png}`` in one folder: A optical t1,
B SAR t2, D optical t2 (optional; becomes ``C``), E the change label. Output:
``out/{train,val,test}/{A,B,C,Label}/{basename}_r{row}_c{col}{suffix}`` plus
``preprocess_manifest.json``. The defaults are those of the official GOLD script
(``datasets/process_and_split.py``; see :class:`PreprocessConfig` and docs/methods/gold.md).
"""
import glob
import hashlib
import json
import math
import os
import os.path as osp
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from cdkd.utils.georef import overlap_fraction, read_georef
from .tile_split import SPLITS, balanced_split, split_assignment
from .transforms.loading import read_image

SCENE_RE = re.compile(r'^(?P<base>.+)_(?P<role>[ABDE])\.(?P<ext>tif|tiff|png)$', re.IGNORECASE)
ROLE_FOLDERS = dict(A='A', B='B', D='C', E='Label')
MANIFEST = 'preprocess_manifest.json'


class SceneAlignmentError(ValueError):
    """A scene's images cannot be put on one pixel grid."""


SPLIT_METHODS = ('balanced', 'random')
LABEL_ENCODINGS = ('auto', '0_1', '0_255', '1_2')


@dataclass
class PreprocessConfig:
    """Settings; the defaults are the official GOLD script (``datasets/process_and_split.py``).

    Tiling: ``patch_size`` windows every ``stride`` pixels (default ``patch_size // 2``: 50 %
    overlap); with ``pad_edges`` the last window of a row/column reaches past the scene and is
    zero-padded (its label padding is 255 = ignore), without it only full windows are cut.
    De-duplication: a tile whose georeferenced box overlaps an already kept tile by more than
    ``dedup_overlap`` of the smaller box is dropped (None: keep all). Black filter: a pixel is
    black when all its bands are <= ``black_level`` (or equal ``nodata``); a tile is dropped when
    >= ``black_threshold`` of it is black in image A (``black_roles='A'``) or in any image
    (``'all'``). Split: ``ratios`` (train, val, test) by ``split_method`` ('balanced': seeded
    shuffle, then a greedy choice that keeps both the count share and the changed-pixel share of
    the held-out sets near their targets; 'random': shuffled and cut), per patch or per scene;
    with ``test_from_val`` (official) ``ratios[2]`` must be 0 and test is a copy of val.
    ``coregistration_min_overlap``: cdkd's safety check that the images of a scene share this
    fraction of every footprint (they are cropped to the common area); it is not the official
    "80 % overlap", which is the de-duplication.
    """
    patch_size: int = 512
    stride: Optional[int] = None
    pad_edges: bool = True
    dedup_overlap: Optional[float] = 0.8
    black_threshold: float = 0.95
    black_level: float = 5
    black_roles: str = 'A'
    nodata: Optional[float] = None
    ratios: Sequence[float] = (0.8, 0.2, 0.0)
    test_from_val: bool = True
    split_method: str = 'balanced'
    seed: int = 666
    split_by: str = 'patch'  # or 'scene'
    coregistration_min_overlap: float = 0.8
    label_encoding: str = 'auto'
    label_folder: str = 'Label'
    augment: bool = False
    image_format: str = 'auto'  # 'png', 'tif' or 'auto' (png when every image is 8-bit, <= 4 bands)

    def check(self):
        if self.patch_size <= 0 or (self.stride is not None and self.stride <= 0):
            raise ValueError(
                f'patch_size and stride must be positive, got {self.patch_size}, {self.stride}')
        if len(self.ratios) != 3 or min(self.ratios) < 0 or abs(sum(self.ratios) - 1) > 1e-6:
            raise ValueError(
                f'split ratios must be three non-negative numbers summing to 1, got {list(self.ratios)}'
            )
        if self.test_from_val and self.ratios[2] > 0:
            raise ValueError(f'ratios {list(self.ratios)} give a test share, but test is a copy '
                             'of val (the official split): use --disjoint-test for a held-out test')
        if not self.test_from_val and self.ratios[2] <= 0:
            raise ValueError(
                f'--disjoint-test needs a test share in ratios, got {list(self.ratios)}')
        choices = dict(split_by=('patch', 'scene'), image_format=('auto', 'png', 'tif'),
                       split_method=SPLIT_METHODS, black_roles=('A', 'all'),
                       label_encoding=LABEL_ENCODINGS, label_folder=('Label', 'label'))
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got {getattr(self, name)!r}')
        if self.dedup_overlap is not None and not 0 <= self.dedup_overlap <= 1:
            raise ValueError(f'dedup_overlap must lie in [0, 1], got {self.dedup_overlap}')

    @property
    def step(self) -> int:
        return self.stride or max(self.patch_size // 2, 1)


@dataclass
class Summary:
    scenes_found: int = 0
    scenes_kept: List[str] = field(default_factory=list)
    scenes_dropped: Dict[str, str] = field(default_factory=dict)
    tiles_total: int = 0
    tiles_dropped_duplicate: int = 0
    tiles_dropped_black: int = 0
    patches: Dict[str, int] = field(default_factory=dict)
    augmented: int = 0


def find_scenes(in_dir: str) -> Dict[str, Dict[str, str]]:
    """``{basename: {role: path}}``; every scene needs A, B and E, and D in all scenes or none."""
    scenes: Dict[str, Dict[str, str]] = {}
    for path in sorted(glob.glob(osp.join(in_dir, '*'))):
        m = SCENE_RE.match(osp.basename(path))
        if m:
            roles = scenes.setdefault(m['base'], {})
            role = m['role'].upper()
            if role in roles:
                raise ValueError(
                    f'scene {m["base"]!r} has two {role} images: {roles[role]} and {path}')
            roles[role] = path
    if not scenes:
        raise FileNotFoundError(f'no scenes named {{basename}}_{{A|B|D|E}}.{{tif|png}} in {in_dir}')
    for base, roles in scenes.items():
        missing = [r for r in 'ABE' if r not in roles]
        if missing:
            raise ValueError(f'scene {base!r} in {in_dir} lacks {missing} (has {sorted(roles)})')
    with_d = {base for base, roles in scenes.items() if 'D' in roles}
    if with_d and len(with_d) != len(scenes):
        raise ValueError(f'optical t2 (D) exists for {sorted(with_d)} but not for '
                         f'{sorted(set(scenes) - with_d)}: give D for every scene or for none')
    return scenes


LABEL_VALUES = {'0_1': (0, 1), '0_255': (0, 255), '1_2': (1, 2)}


def label_to_255(label: np.ndarray, path: str, encoding: str = 'auto') -> np.ndarray:
    """Binary change mask to 0/255 from 0/1, 0/255 or OSCD's 1 (no change) / 2 (change).

    ``'auto'`` reads the encoding from the values present and refuses masks that fit two
    encodings with different meanings: all 1 (0/1: all changed; 1/2: nothing changed) is an
    error naming the file; give ``encoding`` then.
    """
    label = label[..., 0] if label.ndim == 3 else label
    values = set(np.unique(label).tolist())
    if encoding == 'auto':
        fits = [e for e, allowed in LABEL_VALUES.items() if values <= set(allowed)]
        meanings = {tuple(v == LABEL_VALUES[e][1] for v in sorted(values)) for e in fits}
        if not fits:
            raise ValueError(f'{path}: change label values {sorted(values)[:10]} are none of '
                             '0/1, 0/255, 1/2')
        if len(meanings) > 1:
            raise ValueError(
                f'{path}: change label values {sorted(values)} are ambiguous (they fit the '
                f'encodings {fits} with different meanings); pass --label-encoding '
                '0_1, 0_255 or 1_2')
        encoding = fits[0]
    if encoding not in LABEL_VALUES:
        raise ValueError(f'unknown label encoding {encoding!r}; use one of {LABEL_ENCODINGS}')
    if not values <= set(LABEL_VALUES[encoding]):
        raise ValueError(f'{path}: change label values {sorted(values)[:10]} do not fit label '
                         f'encoding {encoding} (allowed {LABEL_VALUES[encoding]})')
    return ((label == LABEL_VALUES[encoding][1]) * 255).astype(np.uint8)


def check_coregistration(base: str, roles: Dict[str, str], min_overlap: float,
                         label_encoding: str = 'auto'):
    """cdkd's co-registration safety check: images and label cropped to their common footprint,
    or ``(None, reason, overlap)`` when the footprints overlap less than ``min_overlap`` (fraction
    of each image's own footprint). Returns ``(images, label, overlap, georef of the cropped A or
    None)``."""
    images = {r: read_image(p) for r, p in roles.items() if r != 'E'}
    label = label_to_255(read_image(roles['E']), roles['E'], label_encoding)
    if label.shape != images['A'].shape[:2]:
        raise SceneAlignmentError(
            f'scene {base!r}: label {roles["E"]} is {label.shape[::-1]} (W x H) '
            f'but A {roles["A"]} is {images["A"].shape[1::-1]}; the label '
            'must be on the grid of A')
    refs = {r: read_georef(roles[r]) for r in images}
    if any(ref is None for ref in refs.values()):
        shapes = {r: img.shape[:2] for r, img in images.items()}
        if len(set(shapes.values())) != 1:
            raise SceneAlignmentError(
                f'scene {base!r} is not georeferenced ({[roles[r] for r in refs if refs[r] is None]} '
                f'has no GeoTIFF tags) and its images differ in size: ' +
                ', '.join(f'{roles[r]} {s[1]}x{s[0]}' for r, s in shapes.items()))
        return images, label, 1.0, None
    crs = {r: ref.crs for r, ref in refs.items()}
    if len(set(crs.values())) != 1:
        raise SceneAlignmentError(
            f'scene {base!r}: images use different CRS {crs}; reproject first')
    a = refs['A']
    for r, ref in refs.items():
        if abs(ref.sx - a.sx) > 0.01 * a.sx or abs(ref.sy - a.sy) > 0.01 * a.sy:
            raise SceneAlignmentError(
                f'scene {base!r}: pixel size of {roles[r]} ({ref.sx}, {ref.sy}) '
                f'differs from A ({a.sx}, {a.sy}); resample first')
    boxes = {r: ref.bounds for r, ref in refs.items()}
    common = (max(b[0] for b in boxes.values()), max(b[1] for b in boxes.values()),
              min(b[2] for b in boxes.values()), min(b[3] for b in boxes.values()))
    overlap = min(overlap_fraction(b, common) for b in boxes.values())
    if overlap < min_overlap:
        return None, f'footprints overlap {overlap:.1%} < {min_overlap:.0%}', overlap, None
    windows = {
        r: (int(round((ref.y0 - common[3]) / ref.sy)), int(round((common[0] - ref.x0) / ref.sx)))
        for r, ref in refs.items()
    }
    h = min(int(round((common[3] - common[1]) / ref.sy)) for ref in refs.values())
    w = min(int(round((common[2] - common[0]) / ref.sx)) for ref in refs.values())
    cropped = {
        r: img[windows[r][0]:windows[r][0] + h, windows[r][1]:windows[r][1] + w]
        for r, img in images.items()
    }
    row, col = windows['A']
    origin = (a.x0 + col * a.sx, a.y0 - row * a.sy, a.sx, a.sy)
    return cropped, label[row:row + h, col:col + w], overlap, origin


def tile_origins(length: int, size: int, stride: int, pad: bool = False) -> List[int]:
    """Start offsets of the windows along one axis. Without ``pad`` only full windows; with it
    (official) ``ceil((length - size) / stride) + 1`` windows (one if ``length <= size``), the
    last reaching past the edge."""
    if not pad:
        return list(range(0, length - size + 1, stride)) if length >= size else []
    n = math.ceil((length - size) / stride) + 1 if length > size else 1
    return [i * stride for i in range(n)]


def crop_padded(img: np.ndarray, row: int, col: int, size: int, fill) -> np.ndarray:
    """``size x size`` window at (row, col), filled with ``fill`` where it leaves the image."""
    window = img[row:row + size, col:col + size]
    if window.shape[:2] == (size, size):
        return window
    out = np.full((size, size) + img.shape[2:], fill, dtype=img.dtype)
    out[:window.shape[0], :window.shape[1]] = window
    return out


def black_fraction(img: np.ndarray, nodata: Optional[float] = None, level: float = 0) -> float:
    """Fraction of pixels whose bands are all <= ``level`` (or all ``nodata``)."""
    img = img[..., None] if img.ndim == 2 else img
    empty = np.all(img <= level, axis=-1)
    if nodata is not None:
        empty |= np.all(img == nodata, axis=-1)
    return float(empty.mean())


def box_overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection of two (minx, miny, maxx, maxy) boxes over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def _write(path: str, img: np.ndarray):
    if path.endswith('.png'):
        arr = img[..., 0] if img.ndim == 3 and img.shape[2] == 1 else img
        if arr.ndim == 3 and arr.shape[2] in (3, 4):
            arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR if arr.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
        if not cv2.imwrite(path, arr):
            raise OSError(f'cannot write {path}')
    else:
        import tifffile
        img = img[..., 0] if img.ndim == 3 and img.shape[2] == 1 else img
        tifffile.imwrite(
            path, img, photometric='minisblack', planarconfig='contig' if img.ndim == 3 else None)


AUGMENTATIONS = dict(
    hflip=lambda x: x[:, ::-1], vflip=lambda x: x[::-1], rot90=lambda x: np.rot90(x))


def input_signature(scenes: Dict[str, Dict[str, str]], cfg: PreprocessConfig) -> str:
    h = hashlib.sha256(json.dumps(asdict(cfg), sort_keys=True, default=list).encode())
    for base in sorted(scenes):
        for role, path in sorted(scenes[base].items()):
            st = os.stat(path)
            h.update(f'{base}|{role}|{osp.basename(path)}|{st.st_size}|{st.st_mtime_ns}'.encode())
    return h.hexdigest()


def _image_suffix(scenes, cfg) -> str:
    if cfg.image_format != 'auto':
        return '.' + cfg.image_format
    for roles in scenes.values():
        for role, path in roles.items():
            if role != 'E' and not path.lower().endswith('.png'):
                img = read_image(path)
                if img.dtype != np.uint8 or img.shape[2] not in (1, 3, 4):
                    return '.tif'
    return '.png'


def _cut_scene(base, images, label, origin, cfg, kept_boxes, summary):
    """Patches ``(key, {folder: array})`` of one aligned scene: windows every ``cfg.step``,
    duplicates of already kept tiles and black tiles dropped."""
    size = cfg.patch_size
    pad = cfg.pad_edges
    patches = []
    for r in tile_origins(label.shape[0], size, cfg.step, pad):
        for c in tile_origins(label.shape[1], size, cfg.step, pad):
            summary.tiles_total += 1
            box = None
            if origin is not None:
                x0, y0, sx, sy = origin
                box = (x0 + c * sx, y0 - (r + size) * sy, x0 + (c + size) * sx, y0 - r * sy)
                if cfg.dedup_overlap is not None and any(
                        box_overlap(box, kept) > cfg.dedup_overlap for kept in kept_boxes):
                    summary.tiles_dropped_duplicate += 1
                    continue
            tile = {ROLE_FOLDERS[k]: crop_padded(v, r, c, size, 0) for k, v in images.items()}
            checked = [tile['A']] if cfg.black_roles == 'A' else list(tile.values())
            if max(black_fraction(v, cfg.nodata, cfg.black_level)
                   for v in checked) >= cfg.black_threshold:
                summary.tiles_dropped_black += 1
                continue
            tile['Label'] = crop_padded(label, r, c, size, 255)
            if box is not None:
                kept_boxes.append(box)
            patches.append((f'{base}_r{r}_c{c}', tile))
    return patches


def _assign_splits(patches, scenes_kept, cfg) -> Dict[str, str]:
    if cfg.split_by == 'scene':
        keys = list(scenes_kept)
        fg = {k: 0 for k in keys}
        pix = {k: 0 for k in keys}
        for base, _, tile in patches:
            fg[base] += int((tile['Label'] == 255).sum())
            pix[base] += tile['Label'].size
        units = [(k, fg[k], pix[k]) for k in sorted(keys)]
    else:
        units = [(key, int((tile['Label'] == 255).sum()), tile['Label'].size)
                 for _, key, tile in patches]
    if cfg.split_method == 'balanced':
        return balanced_split(units, cfg.ratios, cfg.seed)
    return split_assignment([u[0] for u in units], cfg.ratios, cfg.seed)


def preprocess_hetero(in_dir: str,
                      out_dir: str,
                      cfg: PreprocessConfig = PreprocessConfig(),
                      overwrite: bool = False,
                      log=print) -> Summary:
    """Cut, filter and split the scenes of ``in_dir`` into ``out_dir`` (see the module doc).

    Idempotent: an ``out_dir`` made from the same inputs and settings is left alone; one made
    otherwise is an error unless ``overwrite``. The output is built in a temporary folder beside
    ``out_dir`` and renamed into place, so it is never half-written.
    """
    cfg.check()
    scenes = find_scenes(in_dir)
    signature = input_signature(scenes, cfg)
    manifest_path = osp.join(out_dir, MANIFEST)
    if osp.isfile(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if manifest.get('signature') == signature:
            log(f'{out_dir} is up to date (same inputs and settings); nothing to do')
            return Summary(**manifest['summary'])
        if not overwrite:
            raise FileExistsError(f'{out_dir} was made from other inputs or settings; pass '
                                  '--overwrite to replace it')
    elif osp.isdir(out_dir) and os.listdir(out_dir) and not overwrite:
        raise FileExistsError(f'{out_dir} exists, is not empty and has no {MANIFEST}; refusing to '
                              'write into it (pass --overwrite to replace it)')

    summary = Summary(scenes_found=len(scenes))
    suffix = _image_suffix(scenes, cfg)
    patches = []
    kept_boxes: List[Tuple[float, float, float, float]] = []
    if not cfg.test_from_val:
        log('warning: --disjoint-test holds out a test set of its own; the official GOLD test '
            'set is a copy of val, so these test numbers are not comparable with the paper\'s')
    for i, (base, roles) in enumerate(sorted(scenes.items()), 1):
        images, label, overlap, origin = check_coregistration(
            base, roles, cfg.coregistration_min_overlap, cfg.label_encoding)
        if images is None:
            summary.scenes_dropped[base] = label
            log(f'[{i}/{len(scenes)}] {base}: dropped ({label})')
            continue
        before = summary.tiles_dropped_black
        before_dup = summary.tiles_dropped_duplicate
        scene_patches = _cut_scene(base, images, label, origin, cfg, kept_boxes, summary)
        if not scene_patches:
            reason = (
                'every tile duplicates an already kept tile'
                if summary.tiles_dropped_duplicate > before_dup else
                f'smaller than one {cfg.patch_size} px patch ({label.shape[1]}x{label.shape[0]})'
                if summary.tiles_dropped_black == before else 'every tile is black / nodata')
            summary.scenes_dropped[base] = reason
            log(f'[{i}/{len(scenes)}] {base}: dropped ({reason})')
            continue
        summary.scenes_kept.append(base)
        patches += [(base, key, tile) for key, tile in scene_patches]
        log(f'[{i}/{len(scenes)}] {base}: footprints overlap {overlap:.1%}, '
            f'{len(scene_patches)} patches, {summary.tiles_dropped_black - before} black and '
            f'{summary.tiles_dropped_duplicate - before_dup} duplicate tiles dropped'
            + ('' if origin is not None or cfg.dedup_overlap is None else
               ' (not georeferenced: no de-duplication)'))

    assignment = _assign_splits(patches, summary.scenes_kept, cfg)
    summary.patches = {s: 0 for s in SPLITS}
    parent = osp.dirname(osp.abspath(out_dir)) or '.'
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=osp.basename(osp.abspath(out_dir)) + '.tmp-', dir=parent)
    try:
        for base, key, tile in patches:
            split = assignment[base if cfg.split_by == 'scene' else key]
            tile = {cfg.label_folder if k == 'Label' else k: v for k, v in tile.items()}
            variants = [(key, tile)]
            if cfg.augment and split == 'train':
                variants += [(f'{key}_{name}', {
                    k: np.ascontiguousarray(fn(v))
                    for k, v in tile.items()
                }) for name, fn in AUGMENTATIONS.items()]
                summary.augmented += len(AUGMENTATIONS)
            targets = [split] + (['test'] if cfg.test_from_val and split == 'val' else [])
            for target in targets:
                for name, arrays in variants:
                    for folder, arr in arrays.items():
                        d = osp.join(tmp, target, folder)
                        os.makedirs(d, exist_ok=True)
                        is_label = folder == cfg.label_folder
                        _write(osp.join(d, name + ('.png' if is_label else suffix)), arr)
                summary.patches[target] += 1
        with open(osp.join(tmp, MANIFEST), 'w') as f:
            json.dump(
                dict(
                    signature=signature,
                    input_dir=osp.abspath(in_dir),
                    image_suffix=suffix,
                    config=asdict(cfg),
                    summary=asdict(summary)),
                f,
                indent=2,
                default=list)
        os.chmod(tmp, 0o755)
        if osp.isdir(out_dir):
            old = tempfile.mkdtemp(prefix=osp.basename(osp.abspath(out_dir)) + '.old-', dir=parent)
            os.replace(out_dir, osp.join(old, 'previous'))
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f'kept {len(summary.scenes_kept)}/{summary.scenes_found} scenes, '
        f'{sum(summary.patches.values())} patches {summary.patches} '
        f'(+{summary.augmented} augmented train copies'
        + ('; test = a copy of val, as the official script' if cfg.test_from_val else '')
        + f'); dropped {summary.tiles_dropped_duplicate}/{summary.tiles_total} tiles as '
        f'duplicates (> {cfg.dedup_overlap} of the smaller box) and '
        f'{summary.tiles_dropped_black} as >= {cfg.black_threshold:.0%} black/nodata; dropped '
        f'scenes: {summary.scenes_dropped or "none"}')
    return summary
