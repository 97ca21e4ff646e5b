"""Synthetic bi-temporal change-detection scenes (numpy + OpenCV only, no mmcv needed).

A scene is textured ground (multi-octave value noise, land-cover patches), roads and buildings with
cast shadows. Between the dates some buildings appear or vanish (and sometimes a road is built):
those footprints are the change. Everything else that differs is a nuisance a real sensor pair also
shows: illumination gain/offset/gamma, seasonal vegetation colour, shadow length, sub-pixel
mis-registration and sensor noise. With ``with_sar`` the t2 scene is also rendered as a SAR-like
single-band image (double bounce, speckle, log compression) for heterogeneous change detection.

Every sample has its own generator seeded from ``(seed, split, index)``, so any sample can be
regenerated alone and the output does not depend on the order or number of samples generated.
"""
import json
import os
import os.path as osp
import sys
import time
import zlib

import cv2
import numpy as np

GENERATOR_VERSION = 1
DEFAULT_NO_CHANGE_PROB = 0.1
DEFAULT_SAR_LOOKS = 4
META_FILE = 'synthetic_meta.json'
DEFAULT_SPLITS = {'train': 800, 'val': 100, 'test': 200}

# Land-cover classes: (name, RGB colour, is_vegetation, SAR backscatter sigma0 (linear)).
_COVER = [
    ('grass', (92, 124, 62), True, 0.10),
    ('field', (150, 146, 98), True, 0.08),
    ('soil', (158, 128, 100), False, 0.06),
    ('forest', (48, 78, 44), True, 0.22),
    ('water', (42, 62, 84), False, 0.006),
]
_SOIL, _WATER = 2, 4  # indices into _COVER
_ROOFS = np.array([(172, 72, 56), (150, 150, 156), (214, 214, 208), (70, 100, 150),
                   (122, 92, 70), (88, 88, 94), (190, 120, 80)], np.float32)
_ROAD_RGB = (118, 118, 122)
_SAR_ROAD, _SAR_ROOF, _SAR_DOUBLE_BOUNCE, _SAR_SHADOW = 0.015, 0.35, 3.0, 0.004


def _value_noise(rng, size, cells, weights=None):
    """Sum of bicubically upsampled random grids (one per cell count), scaled to [0, 1]."""
    weights = weights or [1.0 / (i + 1) for i in range(len(cells))]
    out = np.zeros((size, size), np.float32)
    for n, w in zip(cells, weights):
        grid = rng.random((n + 1, n + 1), dtype=np.float32)
        out += w * cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
    out -= out.min()
    return out / max(float(out.max()), 1e-6)


def _random_road(rng, size, thickness):
    """A straight road crossing the scene from one border to another: (p0, p1, thickness)."""
    side = rng.integers(4)
    t0, t1 = rng.uniform(0.1, 0.9, 2) * size
    ends = [(0, t0), (size - 1, t1)] if side % 2 == 0 else [(t0, 0), (t1, size - 1)]
    # At least 1 px: scenes under ~52 px would otherwise ask OpenCV for a 0-px line.
    return tuple(int(v) for v in ends[0]), tuple(int(v) for v in ends[1]), max(int(thickness), 1)


def _draw_road(mask, road):
    cv2.line(mask, road[0], road[1], 1, road[2])


def _place_buildings(rng, size, occupied, count, min_side, max_side, centres=None, spread=None):
    """Rejection-sample non-overlapping rotated rectangles; returns their corner arrays.

    Overlap tests run on the rectangle's bounding window only, which keeps placement cheap.
    """
    placed, margin = [], 3
    for _ in range(count * 8):
        if len(placed) == count:
            break
        w, h = rng.uniform(min_side, max_side, 2)
        if centres is not None:
            c = centres[rng.integers(len(centres))] + rng.normal(0, spread, 2)
        else:
            c = rng.uniform(0.05 * size, 0.95 * size, 2)
        angle = (0.0, 90.0, float(rng.uniform(-30, 30)))[rng.integers(3)]
        box = cv2.boxPoints(((float(c[0]), float(c[1])), (float(w), float(h)), angle))
        pts = np.round(box).astype(np.int32)
        (x0, y0), (x1, y1) = pts.min(0) - margin, pts.max(0) + margin
        if x0 < 0 or y0 < 0 or x1 >= size or y1 >= size:
            continue
        fp = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
        cv2.fillPoly(fp, [pts - (x0, y0)], 1)
        window = occupied[y0:y1 + 1, x0:x1 + 1]
        if (fp & window).any():
            continue
        window |= cv2.dilate(fp, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
        placed.append(box)
    return placed


def _building_layout(rng, size, blocked, no_change):
    """Building corner arrays per status: persistent, vanished (t1 only) and appeared (t2 only)."""
    s = size / 256.0
    occupied = cv2.dilate(blocked, np.ones((5, 5), np.uint8))
    persistent = _place_buildings(rng, size, occupied, int(rng.integers(5, 16)), 9 * s, 30 * s)
    vanished, appeared = [], []
    if not no_change:
        target = rng.uniform(0.04, 0.16) * size * size
        # New development is clustered (as in LEVIR-CD); demolitions are scattered.
        centres = rng.uniform(0.2 * size, 0.8 * size, (int(rng.integers(1, 4)), 2))
        area = 0.0
        for _ in range(40):
            if area >= target:
                break
            if rng.random() < 0.7:
                new = _place_buildings(rng, size, occupied, 1, 12 * s, 38 * s, centres, 30 * s)
                appeared += new
            else:
                new = _place_buildings(rng, size, occupied, 1, 12 * s, 34 * s)
                vanished += new
            area += sum(cv2.contourArea(b) for b in new)
    return persistent, vanished, appeared


def _render_optical(ground_classes, modulation, colours, roads_mask, road_rgb, buildings,
                    shadow_vec):
    """One date's RGB float32 scene: ground, roads, shadows, then gable roofs."""
    size = ground_classes.shape[0]
    img = np.take(colours, ground_classes, axis=0) * modulation[..., None]
    np.copyto(img, road_rgb, where=(roads_mask > 0)[..., None])
    shadow = np.zeros((size, size), np.uint8)
    for box, _ in buildings:
        cv2.fillPoly(shadow, [np.round(box + shadow_vec).astype(np.int32)], 1)
    img *= cv2.LUT(shadow, np.array([1.0] + [0.5] * 255, np.float32))[..., None]
    for box, roof in buildings:
        # Gable roof: the two halves along the long side catch the sun differently.
        c = box.mean(0)
        half_a = np.round(np.stack([box[0], box[1], (box[1] + box[2]) / 2, (box[0] + box[3]) / 2]))
        cv2.fillPoly(img, [np.round(box).astype(np.int32)], [float(v) for v in roof])
        cv2.fillPoly(img, [half_a.astype(np.int32)], [float(v) * 0.86 for v in roof])
        cv2.circle(img, (int(c[0]), int(c[1])), 1, [float(v) * 0.7 for v in roof], -1)
    return img


def _sensor_effects(rng, img, jitter):
    """Illumination gain/offset/gamma per date, sub-pixel shift and noise: all non-change."""
    gamma = rng.uniform(0.85, 1.2)
    gain = rng.uniform(0.85, 1.15) * rng.uniform(0.96, 1.04, 3)
    levels = np.arange(256) / 255.0
    lut = np.stack([levels ** gamma * 255.0 * g for g in gain], -1) + rng.uniform(-12, 12)
    out = cv2.LUT(np.clip(img + 0.5, 0, 255).astype(np.uint8), lut[None].astype(np.float32))
    if jitter:
        m = np.float32([[1, 0, rng.uniform(-1, 1)], [0, 1, rng.uniform(-1, 1)]])
        out = cv2.warpAffine(out, m, out.shape[1::-1], flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT)
    out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(rng.uniform(1.5, 4.0))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _render_sar(rng, ground_classes, texture, roads_mask, footprints, looks=DEFAULT_SAR_LOOKS):
    """SAR-like single band: backscatter from structure, double bounce, speckle, dB to uint8."""
    sigma = np.array([c[3] for c in _COVER], np.float32)[ground_classes] * (0.6 + 0.8 * texture)
    sigma[roads_mask > 0] = _SAR_ROAD
    b = footprints > 0
    sigma[b] = _SAR_ROOF
    # Sensor looks from the left: the near-range wall gives a bright double-bounce line, the
    # far side a radar shadow.
    near_edge = b & ~np.roll(b, 2, axis=1)
    far_side = ~b & np.roll(b, 3, axis=1)
    sigma[far_side] = _SAR_SHADOW
    sigma[near_edge] = _SAR_DOUBLE_BOUNCE
    sigma = cv2.GaussianBlur(sigma, (3, 3), 0.7)
    m = np.float32([[1, 0, rng.uniform(-1, 1)], [0, 1, rng.uniform(-1, 1)]])
    sigma = cv2.warpAffine(sigma, m, sigma.shape[::-1], borderMode=cv2.BORDER_REFLECT)
    intensity = sigma * rng.standard_gamma(looks, sigma.shape, dtype=np.float32) / looks
    db = 10.0 * np.log10(intensity + 1e-5)
    return np.clip((db + 28.0) / 36.0 * 255.0 + 0.5, 0, 255).astype(np.uint8)


def sample_seed(seed, split, index):
    """Seed sequence of one sample: depends only on (seed, split name, index)."""
    return [int(seed), zlib.crc32(str(split).encode()), int(index)]


def generate_sample(index, split='train', size=256, seed=0, with_sar=False,
                    sar_looks=DEFAULT_SAR_LOOKS, no_change_prob=DEFAULT_NO_CHANGE_PROB):
    """Render one sample.

    ``sar_looks``: equivalent number of looks of the SAR speckle (1 = single-look, the noisiest).
    ``no_change_prob``: probability that the scene has no change at all (image-level label 0);
    raising it keeps every other scene as it was (same random stream).

    Returns:
        dict with ``t1`` and ``t2`` (H x W x 3 uint8 RGB), ``label`` (H x W uint8, 0/255) and, with
        ``with_sar``, ``sar`` (H x W uint8, the t2 scene as SAR). The SAR image is drawn last, so
        t1, t2 and label are the same with and without it.
    """
    rng = np.random.default_rng(sample_seed(seed, split, index))
    no_change = rng.random() < no_change_prob
    cover = _value_noise(rng, size, [3, 6])
    n_cover = len(_COVER) if rng.random() < 0.35 else len(_COVER) - 1  # water is the last class
    edges = np.sort(rng.uniform(0.15, 0.85, n_cover - 1))
    ground = np.digitize(cover, edges).astype(np.int64)
    order = rng.permutation(n_cover)
    if n_cover == len(_COVER):  # water sits in the lowest part of the terrain
        order = np.concatenate([[_WATER], order[order != _WATER]])
    ground = order[ground]
    texture = _value_noise(rng, size, [8, 16, 32, 64])
    fine = rng.random((size, size), dtype=np.float32)

    roads_t1 = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(0, 3))):
        _draw_road(roads_t1, _random_road(rng, size, rng.integers(5, 10) * size / 256))
    roads_t2 = roads_t1.copy()
    if not no_change and rng.random() < 0.2:
        _draw_road(roads_t2, _random_road(rng, size, rng.integers(6, 10) * size / 256))
    blocked = roads_t2 | (ground == _WATER).astype(np.uint8)  # no houses on water
    persistent, vanished, appeared = _building_layout(rng, size, blocked, no_change)

    roofs = {id(b): _ROOFS[rng.integers(len(_ROOFS))] * rng.uniform(0.85, 1.1)
             for b in persistent + vanished + appeared}
    colours_t1 = np.array([c[1] for c in _COVER], np.float32) * rng.uniform(0.92, 1.08, 3)
    season = np.array(rng.choice([(1.15, 1.02, 0.8), (0.88, 1.1, 0.9), (1.0, 1.0, 1.0)]),
                      np.float32)
    is_veg = np.array([c[2] for c in _COVER])[:, None]
    colours_t2 = np.where(is_veg, colours_t1 * season, colours_t1).astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(2.5, 5.5) * size / 256
    shadow_t1 = np.float32([np.cos(angle), np.sin(angle)]) * length
    shadow_t2 = shadow_t1 * rng.uniform(0.8, 1.2)

    t1_buildings = [(b, roofs[id(b)]) for b in persistent + vanished]
    t2_buildings = [(b, roofs[id(b)]) for b in persistent + appeared]
    # Demolition leaves bare soil where the building stood.
    ground_t2 = ground.copy()
    for b in vanished:
        fp = np.zeros((size, size), np.uint8)
        cv2.fillPoly(fp, [np.round(b).astype(np.int32)], 1)
        ground_t2[cv2.dilate(fp, np.ones((3, 3), np.uint8)) > 0] = _SOIL
    modulation = (0.78 + 0.44 * texture) * (0.93 + 0.14 * fine)
    road_rgb = np.array(_ROAD_RGB, np.float32) * (0.9 + 0.2 * fine)[..., None]
    img1 = _render_optical(ground, modulation, colours_t1, roads_t1, road_rgb, t1_buildings,
                           shadow_t1)
    img2 = _render_optical(ground_t2, modulation, colours_t2, roads_t2, road_rgb, t2_buildings,
                           shadow_t2)
    label = ((roads_t2 > 0) & (roads_t1 == 0)).astype(np.uint8)
    cv2.fillPoly(label, [np.round(b).astype(np.int32) for b in vanished + appeared], 1)
    out = dict(t1=_sensor_effects(rng, img1, jitter=False),
               t2=_sensor_effects(rng, img2, jitter=True), label=label * 255)
    if with_sar:
        fp2 = np.zeros((size, size), np.uint8)
        cv2.fillPoly(fp2, [np.round(b).astype(np.int32) for b in persistent + appeared], 1)
        out['sar'] = _render_sar(rng, ground_t2, texture, roads_t2, fp2, looks=sar_looks)
    return out


def split_layout(with_sar):
    """Sub-folder names: optical pairs use A/B/label, heterogeneous data A/B(SAR)/C/Label."""
    if with_sar:
        return dict(img_path_from='A', img_path_to='B', img_path_to_optical='C',
                    seg_map_path='Label')
    return dict(img_path_from='A', img_path_to='B', seg_map_path='label')


def _write_png(path, img):
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(path, img):
        raise OSError(f'could not write {path}')


def _report(done, total, start):
    """Progress on stderr: one updating line on a terminal, else a line every 10 %."""
    tty = sys.stderr.isatty()
    step = max(total // (100 if tty else 10), 1)
    if done != total and done % step:
        return
    rate = done / max(time.time() - start, 1e-6)
    msg = f'[synthetic] {done}/{total} scenes, {rate:.0f} scenes/s'
    end = '\n' if done == total or not tty else ''
    print(('\r' if tty else '') + msg, end=end, file=sys.stderr, flush=True)


def generate_synthetic_cd(out_dir, splits=None, size=256, seed=0, with_sar=False, progress=True,
                          sar_looks=DEFAULT_SAR_LOOKS, no_change_prob=DEFAULT_NO_CHANGE_PROB):
    """Write a synthetic change-detection dataset under ``out_dir``.

    Layout: ``out_dir/<split>/{A,B,label}/<split>_<index>.png`` (labels 0/255), or with
    ``with_sar`` ``out_dir/<split>/{A (optical t1), B (SAR t2, 1 band), C (optical t2), Label}``.
    ``synthetic_meta.json`` with the parameters is written last: its presence marks a complete set.

    Returns:
        dict: the metadata written.
    """
    splits = dict(DEFAULT_SPLITS if splits is None else splits)
    if not sar_looks > 0:
        raise ValueError(f'sar_looks must be > 0 (the speckle\'s number of looks), got {sar_looks}')
    if not 0 <= no_change_prob <= 1:
        raise ValueError(f'no_change_prob must be in [0, 1], got {no_change_prob}')
    layout = split_layout(with_sar)
    total, done, start = sum(splits.values()), 0, time.time()
    stats = dict(changed_fraction_mean=0.0, no_change_samples=0)
    for split, count in splits.items():
        dirs = {k: osp.join(out_dir, split, v) for k, v in layout.items()}
        for d in dirs.values():
            os.makedirs(d, exist_ok=True)
        for i in range(int(count)):
            s = generate_sample(i, split, size, seed, with_sar, sar_looks, no_change_prob)
            name = f'{split}_{i:05d}.png'
            _write_png(osp.join(dirs['img_path_from'], name), s['t1'])
            _write_png(osp.join(dirs['img_path_to'], name), s['sar'] if with_sar else s['t2'])
            if with_sar:
                _write_png(osp.join(dirs['img_path_to_optical'], name), s['t2'])
            _write_png(osp.join(dirs['seg_map_path'], name), s['label'])
            frac = float((s['label'] > 0).mean())
            stats['changed_fraction_mean'] += frac / max(total, 1)
            stats['no_change_samples'] += int(frac == 0)
            done += 1
            if progress:
                _report(done, total, start)
    meta = dict(version=GENERATOR_VERSION, splits=splits, size=int(size), seed=int(seed),
                with_sar=bool(with_sar), no_change_prob=float(no_change_prob), layout=layout,
                **stats)
    if with_sar:
        meta['sar_looks'] = float(sar_looks)
    with open(osp.join(out_dir, META_FILE), 'w') as f:
        json.dump(meta, f, indent=2)
    return meta
