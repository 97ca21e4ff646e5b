"""Turn co-registered optical/SAR scenes into the HeteroCDDataset layout (tools/preprocess_hetero.py).

Input scenes are files ``{basename}_{A|B|D|E}.{tif|tiff|png}`` in one folder: A optical t1,
B SAR t2, D optical t2 (optional; becomes ``C``), E the change label. Output:
``out/{train,val,test}/{A,B,C,Label}/{basename}_r{row}_c{col}{suffix}`` plus
``preprocess_manifest.json``.
"""
import glob
import hashlib
import json
import os
import os.path as osp
import random
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from cdkd.utils.georef import overlap_fraction, read_georef
from .transforms.loading import read_image

SCENE_RE = re.compile(r'^(?P<base>.+)_(?P<role>[ABDE])\.(?P<ext>tif|tiff|png)$', re.IGNORECASE)
ROLE_FOLDERS = dict(A='A', B='B', D='C', E='Label')
MANIFEST = 'preprocess_manifest.json'
SPLITS = ('train', 'val', 'test')


class SceneAlignmentError(ValueError):
    """A scene's images cannot be put on one pixel grid."""


@dataclass
class PreprocessConfig:
    patch_size: int = 512
    stride: Optional[int] = None  # defaults to patch_size (no overlap)
    min_overlap: float = 0.8
    black_threshold: float = 0.95
    nodata: Optional[float] = None
    ratios: Sequence[float] = (0.6, 0.2, 0.2)
    seed: int = 0
    split_by: str = 'patch'  # or 'scene'
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
        if self.split_by not in ('patch', 'scene'):
            raise ValueError(f"split_by must be 'patch' or 'scene', got {self.split_by!r}")
        if self.image_format not in ('auto', 'png', 'tif'):
            raise ValueError(
                f"image_format must be 'auto', 'png' or 'tif', got {self.image_format!r}")


@dataclass
class Summary:
    scenes_found: int = 0
    scenes_kept: List[str] = field(default_factory=list)
    scenes_dropped: Dict[str, str] = field(default_factory=dict)
    tiles_total: int = 0
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


def label_to_255(label: np.ndarray, path: str) -> np.ndarray:
    """Binary change mask to 0/255: accepts 0/1, 0/255 and OSCD's 1 (no change) / 2 (change)."""
    label = label[..., 0] if label.ndim == 3 else label
    values = set(np.unique(label).tolist())
    if values <= {0, 255}:
        return label.astype(np.uint8)
    if values <= {0, 1}:
        return (label * 255).astype(np.uint8)
    if values <= {1, 2}:
        return ((label == 2) * 255).astype(np.uint8)
    raise ValueError(
        f'{path}: change label values {sorted(values)[:10]} are none of 0/1, 0/255, 1/2')


def align_scene(base: str, roles: Dict[str, str], min_overlap: float):
    """Images and label cropped to their common footprint, or ``(None, reason)`` when the
    footprints overlap less than ``min_overlap`` (fraction of each image's own footprint)."""
    images = {r: read_image(p) for r, p in roles.items() if r != 'E'}
    label = label_to_255(read_image(roles['E']), roles['E'])
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
        return images, label, 1.0
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
        return None, f'footprints overlap {overlap:.1%} < {min_overlap:.0%}', overlap
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
    return cropped, label[row:row + h, col:col + w], overlap


def tile_origins(length: int, size: int, stride: int) -> List[int]:
    """Start offsets of full windows (partial windows at the far edge are not cut)."""
    return list(range(0, length - size + 1, stride)) if length >= size else []


def black_fraction(img: np.ndarray, nodata: Optional[float] = None) -> float:
    """Fraction of pixels whose bands are all 0 (or all ``nodata``)."""
    empty = np.all(img == 0, axis=-1)
    if nodata is not None:
        empty |= np.all(img == nodata, axis=-1)
    return float(empty.mean())


def split_assignment(keys: Sequence[str], ratios: Sequence[float], seed: int) -> Dict[str, str]:
    """Shuffle ``keys`` with ``seed`` and assign round(n r_train) to train, round(n r_val) to
    val, the rest to test."""
    keys = sorted(keys)
    random.Random(seed).shuffle(keys)
    n_train = int(round(len(keys) * ratios[0]))
    n_val = min(int(round(len(keys) * ratios[1])), len(keys) - n_train)
    return {
        k: SPLITS[0] if i < n_train else SPLITS[1] if i < n_train + n_val else SPLITS[2]
        for i, k in enumerate(keys)
    }


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


def _cut_scene(base, images, label, cfg, stride, summary):
    """Patches ``(key, {folder: array})`` of one aligned scene, black tiles dropped."""
    size = cfg.patch_size
    patches = []
    for r in tile_origins(label.shape[0], size, stride):
        for c in tile_origins(label.shape[1], size, stride):
            summary.tiles_total += 1
            tile = {ROLE_FOLDERS[k]: v[r:r + size, c:c + size] for k, v in images.items()}
            if max(black_fraction(v, cfg.nodata) for v in tile.values()) >= cfg.black_threshold:
                summary.tiles_dropped_black += 1
                continue
            tile['Label'] = label[r:r + size, c:c + size]
            patches.append((f'{base}_r{r}_c{c}', tile))
    return patches


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
    stride = cfg.stride or cfg.patch_size
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
    for i, (base, roles) in enumerate(sorted(scenes.items()), 1):
        images, label, overlap = align_scene(base, roles, cfg.min_overlap)
        if images is None:
            summary.scenes_dropped[base] = label
            log(f'[{i}/{len(scenes)}] {base}: dropped ({label})')
            continue
        before = summary.tiles_dropped_black
        scene_patches = _cut_scene(base, images, label, cfg, stride, summary)
        if not scene_patches:
            reason = (
                f'smaller than one {cfg.patch_size} px patch ({label.shape[1]}x{label.shape[0]})'
                if summary.tiles_dropped_black == before else 'every tile is black / nodata')
            summary.scenes_dropped[base] = reason
            log(f'[{i}/{len(scenes)}] {base}: dropped ({reason})')
            continue
        summary.scenes_kept.append(base)
        patches += [(base, key, tile) for key, tile in scene_patches]
        log(f'[{i}/{len(scenes)}] {base}: overlap {overlap:.1%}, {len(scene_patches)} patches, '
            f'{summary.tiles_dropped_black - before} black tiles dropped')

    keys = summary.scenes_kept if cfg.split_by == 'scene' else [key for _, key, _ in patches]
    assignment = split_assignment(keys, cfg.ratios, cfg.seed)
    summary.patches = {s: 0 for s in SPLITS}
    parent = osp.dirname(osp.abspath(out_dir)) or '.'
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=osp.basename(osp.abspath(out_dir)) + '.tmp-', dir=parent)
    try:
        for base, key, tile in patches:
            split = assignment[base if cfg.split_by == 'scene' else key]
            variants = [(key, tile)]
            if cfg.augment and split == 'train':
                variants += [(f'{key}_{name}', {
                    k: np.ascontiguousarray(fn(v))
                    for k, v in tile.items()
                }) for name, fn in AUGMENTATIONS.items()]
                summary.augmented += len(AUGMENTATIONS)
            for name, arrays in variants:
                for folder, arr in arrays.items():
                    d = osp.join(tmp, split, folder)
                    os.makedirs(d, exist_ok=True)
                    _write(osp.join(d, name + ('.png' if folder == 'Label' else suffix)), arr)
            summary.patches[split] += 1
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
        f'(+{summary.augmented} augmented train copies); dropped {summary.tiles_dropped_black}/'
        f'{summary.tiles_total} tiles as >= {cfg.black_threshold:.0%} black/nodata; dropped scenes: '
        f'{summary.scenes_dropped or "none"}')
    return summary
