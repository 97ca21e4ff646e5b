import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import tifffile

from cdkd.datasets import HeteroCDDataset
from cdkd.datasets.hetero_preprocess import (MANIFEST, PreprocessConfig, SceneAlignmentError,
                                             balanced_split, black_fraction, box_overlap,
                                             label_to_255, preprocess_hetero, split_assignment,
                                             tile_origins)
from cdkd.utils import georef
from cdkd.utils.georef import read_georef, write_geotiff

PX = 0.001  # degrees per pixel of the synthetic GeoTIFFs


def scene(root, base, h=128, w=128, shift_b=(0, 0), with_d=True, black=None, label=None,
          col0=0, black_value=0):
    """Synthetic GeoTIFF scene whose A starts ``col0`` pixels east of the common origin;
    ``shift_b`` moves B's footprint by (rows, cols) pixels."""
    rng = np.random.default_rng(0)
    a = rng.integers(10, 255, (h, w, 3), dtype=np.uint8)
    if black is not None:
        a[black] = black_value
    x0 = 10.0 + col0 * PX
    write_geotiff(osp.join(root, f'{base}_A.tif'), a, x0, 50.0, PX, PX)
    write_geotiff(osp.join(root, f'{base}_B.tif'), rng.integers(1, 255, (h, w), dtype=np.uint8),
                  x0 + shift_b[1] * PX, 50.0 - shift_b[0] * PX, PX, PX)
    if with_d:
        write_geotiff(osp.join(root, f'{base}_D.tif'), rng.integers(1, 255, (h, w, 3), dtype=np.uint8),
                      x0, 50.0, PX, PX)
    lab = (rng.random((h, w)) > 0.8).astype(np.uint8) if label is None else label
    cv2.imwrite(osp.join(root, f'{base}_E.png'), lab * 255)


def legacy(patch_size, **kw):
    """The former cdkd behaviour, reachable by options."""
    base = dict(patch_size=patch_size, stride=patch_size, pad_edges=False, dedup_overlap=None,
                black_level=0, black_roles='all', ratios=(0.6, 0.2, 0.2), test_from_val=False,
                split_method='random', seed=0)
    base.update(kw)
    return base


def run(src, out, quiet=True, **kw):
    logs = []
    summary = preprocess_hetero(str(src), str(out), PreprocessConfig(**kw), log=logs.append)
    return summary, logs


@pytest.mark.parametrize('backend', ['rasterio', 'tifffile'])
def test_georef_reads_geokeys(tmp_path, monkeypatch, backend):
    if backend == 'tifffile':  # the fallback used when rasterio is not installed
        monkeypatch.setattr(georef, '_rasterio_georef', lambda path: (False, None))
    else:
        pytest.importorskip('rasterio')
    write_geotiff(str(tmp_path / 'x.tif'), np.ones((4, 6, 3), np.uint8), 2.0, 48.0, 0.5, 0.25)
    ref = read_georef(str(tmp_path / 'x.tif'))
    assert ref.crs == 'EPSG:4326' and (ref.width, ref.height) == (6, 4)
    assert ref.bounds == (2.0, 47.0, 5.0, 48.0)
    tifffile.imwrite(str(tmp_path / 'plain.tif'), np.ones((4, 6), np.uint8))
    assert read_georef(str(tmp_path / 'plain.tif')) is None


def test_overlap_threshold_and_crop_to_common_footprint(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    scene(src, 'near', shift_b=(0, 16))   # 112/128 = 87.5 % of each footprint in common
    scene(src, 'far', shift_b=(0, 40))    # 88/128 = 68.75 %
    summary, logs = run(src, tmp_path / 'out', **legacy(32))
    assert summary.scenes_kept == ['near']
    assert 'overlap 68.8% < 80%' in summary.scenes_dropped['far']
    # common area 128 x 112 -> 4 x 3 full 32 px patches
    assert summary.tiles_total == 4 * 3
    kept = summary.scenes_kept
    summary, _ = run(src, tmp_path / 'out70', **legacy(32, coregistration_min_overlap=0.6))
    assert sorted(summary.scenes_kept) == ['far', 'near'] and kept == ['near']


def test_crop_keeps_pixels_aligned(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    h = w = 64
    grid = np.arange(h * w, dtype=np.uint16).reshape(h, w)
    write_geotiff(str(src / 's_A.tif'), grid, 0.0, 0.0, 1.0, 1.0)
    # B starts 8 px to the right: its pixel (r, c) is A's (r, c + 8)
    write_geotiff(str(src / 's_B.tif'), np.roll(grid, -8, axis=1), 8.0, 0.0, 1.0, 1.0)
    cv2.imwrite(str(src / 's_E.png'), np.zeros((h, w), np.uint8))
    run(src, tmp_path / 'out', **legacy(56, ratios=(1, 0, 0), test_from_val=True))
    a = tifffile.imread(glob.glob(str(tmp_path / 'out/train/A/*.tif'))[0])
    b = tifffile.imread(glob.glob(str(tmp_path / 'out/train/B/*.tif'))[0])
    assert np.array_equal(a, b) and a[0, 0] == 8


def test_black_tile_filter(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    black = np.zeros((64, 128), bool)
    black[:32, :32] = True  # tile (0, 0) fully black
    black[:32, 32:64] = True
    black[:2, 32:64] = False  # tile (0, 32): 30/32 rows black = 93.75 % -> kept
    scene(src, 's', h=64, w=128, black=black)
    summary, _ = run(src, tmp_path / 'out', **legacy(32))
    assert summary.tiles_total == 8 and summary.tiles_dropped_black == 1
    names = sorted(osp.basename(p) for p in glob.glob(str(tmp_path / 'out/*/A/*')))
    assert 's_r0_c0.png' not in names and 's_r0_c32.png' in names
    assert black_fraction(np.zeros((2, 2, 3))) == 1.0
    assert black_fraction(np.full((2, 2, 1), 7), nodata=7) == 1.0


def test_patch_count_stride_and_split_ratios(tmp_path):
    assert tile_origins(100, 32, 32) == [0, 32, 64] and tile_origins(20, 32, 32) == []
    src = tmp_path / 'in'
    src.mkdir()
    scene(src, 's', h=96, w=160)
    summary, _ = run(src, tmp_path / 'out', **legacy(32))
    assert summary.tiles_total == 15 and summary.patches == dict(train=9, val=3, test=3)
    summary, _ = run(src, tmp_path / 'out16', **legacy(32, stride=16, ratios=(0.5, 0.25, 0.25)))
    assert summary.tiles_total == 5 * 9 and summary.patches == dict(train=22, val=11, test=12)
    for split, n in summary.patches.items():
        for folder in ('A', 'B', 'C', 'Label'):
            assert len(os.listdir(tmp_path / 'out16' / split / folder)) == n
    a = split_assignment([str(i) for i in range(10)], (0.6, 0.2, 0.2), seed=1)
    assert a == split_assignment([str(i) for i in range(9, -1, -1)], (0.6, 0.2, 0.2), seed=1)
    assert sorted(a.values()).count('train') == 6
    with pytest.raises(ValueError, match='sum'):
        run(src, tmp_path / 'bad', **legacy(32, ratios=(0.8, 0.2, 0.2)))
    with pytest.raises(ValueError, match='--disjoint-test'):
        run(src, tmp_path / 'bad', ratios=(0.6, 0.2, 0.2))


def test_augment_and_dataset_loads_output(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    scene(src, 's', h=64, w=64)
    summary, _ = run(src, tmp_path / 'out', **legacy(32, ratios=(0.5, 0.25, 0.25), augment=True))
    assert summary.patches['train'] == 2 and summary.augmented == 6
    assert len(os.listdir(tmp_path / 'out/train/A')) == 8
    ds = HeteroCDDataset(data_root=str(tmp_path / 'out'), data_prefix=dict(
        img_path_from='train/A', img_path_to='train/B', img_path_to_optical='train/C',
        seg_map_path='train/Label'), pipeline=[])
    assert len(ds) == 8 and len(ds[0]['img_paths']) == 3


def test_idempotent_and_refuses_other_settings(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    scene(src, 's', h=64, w=64)
    out = tmp_path / 'out'
    run(src, out, **legacy(32))
    files = sorted(glob.glob(str(out / '**/*.*'), recursive=True))
    mtimes = [os.stat(f).st_mtime_ns for f in files]
    summary, logs = run(src, out, **legacy(32))
    assert 'up to date' in logs[-1] and sum(summary.patches.values()) == 4
    assert [os.stat(f).st_mtime_ns for f in files] == mtimes
    with pytest.raises(FileExistsError, match='--overwrite'):
        run(src, out, **legacy(16))
    preprocess_hetero(str(src), str(out), PreprocessConfig(patch_size=16), overwrite=True,
                      log=lambda *_: None)
    assert json.load(open(out / MANIFEST))['config']['patch_size'] == 16
    assert not glob.glob(str(tmp_path / 'out.*'))  # no temporary folders left


def test_misaligned_scenes_are_clear_errors(tmp_path):
    src = tmp_path / 'png'
    src.mkdir()
    cv2.imwrite(str(src / 's_A.png'), np.ones((32, 32, 3), np.uint8))
    cv2.imwrite(str(src / 's_B.png'), np.ones((30, 32), np.uint8))
    cv2.imwrite(str(src / 's_E.png'), np.zeros((32, 32), np.uint8))
    with pytest.raises(SceneAlignmentError, match='not georeferenced.*s_B.png 32x30'):
        run(src, tmp_path / 'o1', patch_size=16)
    src = tmp_path / 'scale'
    src.mkdir()
    scene(src, 's', h=64, w=64)
    write_geotiff(str(src / 's_B.tif'), np.ones((32, 32), np.uint8), 10.0, 50.0, 2 * PX, 2 * PX)
    with pytest.raises(SceneAlignmentError, match='pixel size'):
        run(src, tmp_path / 'o2', patch_size=16)
    src = tmp_path / 'label'
    src.mkdir()
    scene(src, 's', h=64, w=64, label=np.zeros((60, 64), np.uint8))
    with pytest.raises(SceneAlignmentError, match='label'):
        run(src, tmp_path / 'o3', patch_size=16)
    os.remove(src / 's_E.png')
    with pytest.raises(ValueError, match="lacks \\['E'\\]"):
        run(src, tmp_path / 'o4', patch_size=16)


def _bands(folder, names):
    paths = [glob.glob(osp.join(folder, f'*_{n}.tif'))[0] for n in names]
    return np.stack([tifffile.imread(p) for p in paths], -1), read_georef(paths[0])


def test_real_oscd_geotiff_scene(shared_data, tmp_path):
    city = osp.join(shared_data, 'oscd_geotiff', 'bercy')
    src = tmp_path / 'in'
    src.mkdir()
    rgb1, ref = _bands(osp.join(city, 'imgs_1'), ['B04', 'B03', 'B02'])
    rgb2, ref2 = _bands(osp.join(city, 'imgs_2'), ['B04', 'B03', 'B02'])
    nir2, _ = _bands(osp.join(city, 'imgs_2'), ['B08'])
    write_geotiff(str(src / 'bercy_A.tif'), rgb1, ref.x0, ref.y0, ref.sx, ref.sy)
    write_geotiff(str(src / 'bercy_B.tif'), nir2[..., 0], ref2.x0, ref2.y0, ref2.sx, ref2.sy)
    write_geotiff(str(src / 'bercy_D.tif'), rgb2, ref2.x0, ref2.y0, ref2.sx, ref2.sy)
    os.symlink(glob.glob(osp.join(city, 'cm', '*-cm.tif'))[0], src / 'bercy_E.tif')
    summary, logs = run(src, tmp_path / 'out', **legacy(128))
    assert summary.scenes_kept == ['bercy'] and any('overlap 100.0%' in line for line in logs)
    assert summary.tiles_total == 3 * 2  # 395 x 360 px
    tif = glob.glob(str(tmp_path / 'out/*/A/*.tif'))[0]
    assert tifffile.imread(tif).dtype == np.uint16
    labels = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in glob.glob(str(tmp_path / 'out/*/Label/*'))]
    assert set(np.unique(np.concatenate([l.ravel() for l in labels]))) <= {0, 255}


def test_real_hetero_pairs_without_optical_t2(shared_data, tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    for role, folder in (('A', 'A'), ('B', 'B'), ('E', 'label')):
        os.symlink(osp.join(shared_data, 'hetero', folder, 'Italy.png'), src / f'Italy_{role}.png')
    summary, _ = run(src, tmp_path / 'out', **legacy(128, ratios=(0.5, 0.5, 0.0), test_from_val=True))
    assert summary.tiles_total == 2 * 3  # 412 x 300
    assert not osp.exists(tmp_path / 'out/train/C')
    assert summary.patches['test'] == summary.patches['val']  # a copy of val


# ---- the official script's behaviour (the defaults) ----

def test_official_tiling_dedup_padding_and_split(tmp_path):
    """Three georeferenced scenes on one grid, 72 x 72 px, tiles of 32 every 16 px (4 x 4 with a
    zero-padded last row/column): 's1' at the origin, 's2' 4 px east (each of its tiles overlaps
    an 's1' tile by 28/32 = 87.5 % > 80 %: all dropped), 's3' 8 px east (24/32 = 75 %: kept)."""
    src = tmp_path / 'in'
    src.mkdir()
    for base, col0 in (('s1', 0), ('s2', 4), ('s3', 8)):
        scene(src, base, h=72, w=72, col0=col0)
    summary, logs = run(src, tmp_path / 'out', patch_size=32)
    assert tile_origins(72, 32, 16, pad=True) == [0, 16, 32, 48]
    assert tile_origins(20, 32, 16, pad=True) == [0]
    assert summary.tiles_total == 3 * 16 and summary.tiles_dropped_duplicate == 16
    assert summary.scenes_kept == ['s1', 's3']
    assert 'duplicates' in summary.scenes_dropped['s2']
    # 80 / 20 of the 32 kept tiles, test = a copy of val
    assert summary.patches == dict(train=26, val=6, test=6)
    val = sorted(os.listdir(tmp_path / 'out/val/A'))
    assert val == sorted(os.listdir(tmp_path / 'out/test/A'))
    for name in val:
        assert np.array_equal(cv2.imread(str(tmp_path / 'out/val/Label' / name), 0),
                              cv2.imread(str(tmp_path / 'out/test/Label' / name), 0))
    # the last window is zero-padded, its label padding is ignore (255)
    name = 's1_r48_c48.png'
    split = next(s for s in ('train', 'val') if osp.isfile(tmp_path / 'out' / s / 'A' / name))
    a = cv2.imread(str(tmp_path / 'out' / split / 'A' / name), cv2.IMREAD_UNCHANGED)
    label = cv2.imread(str(tmp_path / 'out' / split / 'Label' / name), cv2.IMREAD_UNCHANGED)
    assert a.shape[:2] == (32, 32) and (a[24:] == 0).all() and (a[:, 24:] == 0).all()
    assert (label[24:] == 255).all() and (label[:, 24:] == 255).all()
    assert set(np.unique(label[:24, :24])) <= {0, 255} and (a[:24, :24] > 0).all()
    assert box_overlap((0, 0, 32, 32), (4, 0, 36, 32)) == pytest.approx(0.875)
    assert box_overlap((0, 0, 32, 32), (0, 0, 64, 64)) == 1.0  # of the smaller box


def test_black_filter_on_a_only_at_level_5(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    black = np.zeros((64, 64), bool)
    black[:32, :32] = True  # A's tile (0, 0): all bands 5 -> black
    scene(src, 's', h=64, w=64, black=black, black_value=5)
    b = np.full((64, 64), 0, np.uint8)  # B entirely black: not checked
    write_geotiff(str(src / 's_B.tif'), b, 10.0, 50.0, PX, PX)
    summary, _ = run(src, tmp_path / 'out', patch_size=32, stride=32, pad_edges=False)
    assert summary.tiles_total == 4 and summary.tiles_dropped_black == 1
    assert not glob.glob(str(tmp_path / 'out/*/A/s_r0_c0.png'))
    summary, _ = run(src, tmp_path / 'all', patch_size=32, stride=32, pad_edges=False,
                     black_roles='all')
    assert summary.tiles_dropped_black == 4
    assert black_fraction(np.full((2, 2, 3), 5), level=5) == 1.0
    assert black_fraction(np.full((2, 2, 3), 6), level=5) == 0.0


def test_balanced_split_keeps_count_and_changed_share():
    rng = np.random.RandomState(0)
    units = [(f't{i}', int(rng.uniform(0, 0.5) * 1000), 1000) for i in range(100)]
    a = balanced_split(units, (0.8, 0.2, 0.0), seed=666)
    val = [u for u in units if a[u[0]] == 'val']
    assert len(val) == 20
    share = sum(u[1] for u in val) / sum(u[2] for u in val)
    overall = sum(u[1] for u in units) / sum(u[2] for u in units)
    assert abs(share - overall) < 0.01
    assert a == balanced_split(units, (0.8, 0.2, 0.0), seed=666)
    three = balanced_split(units, (0.6, 0.2, 0.2), seed=0)
    assert sorted(three.values()).count('test') == 20


def test_disjoint_test_warns_and_label_folder(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    scene(src, 's', h=64, w=64)
    summary, logs = run(src, tmp_path / 'out', patch_size=32, ratios=(0.6, 0.2, 0.2),
                        test_from_val=False, label_folder='label')
    assert 'not comparable' in logs[0]
    assert osp.isdir(tmp_path / 'out/train/label') and not osp.isdir(tmp_path / 'out/train/Label')
    # the dataset finds the official lower-case folder under the default prefix
    ds = HeteroCDDataset(data_root=str(tmp_path / 'out'), data_prefix=dict(
        img_path_from='train/A', img_path_to='train/B', img_path_to_optical='train/C',
        seg_map_path='train/Label'), pipeline=[])
    assert len(ds) == summary.patches['train'] and '/label/' in ds[0]['seg_map_path']


def test_label_encodings_and_the_ambiguous_all_one_mask(tmp_path):
    ones = np.ones((4, 4), np.uint8)
    with pytest.raises(ValueError, match='x_E.png.*ambiguous.*--label-encoding'):
        label_to_255(ones, 'x_E.png')
    assert (label_to_255(ones, 'x', '0_1') == 255).all()
    assert (label_to_255(ones, 'x', '1_2') == 0).all()
    assert (label_to_255(np.array([[0, 1]]), 'x') == [[0, 255]]).all()
    assert (label_to_255(np.array([[1, 2]]), 'x') == [[0, 255]]).all()
    assert (label_to_255(np.zeros((2, 2), np.uint8), 'x') == 0).all()
    with pytest.raises(ValueError, match='do not fit label encoding 0_255'):
        label_to_255(np.array([[0, 1]]), 'y.png', '0_255')
    src = tmp_path / 'in'
    src.mkdir()
    scene(src, 's', h=64, w=64, label=np.ones((64, 64), np.uint8))
    os.remove(src / 's_E.png')
    cv2.imwrite(str(src / 's_E.png'), np.ones((64, 64), np.uint8))
    with pytest.raises(ValueError, match='s_E.png.*ambiguous'):
        run(src, tmp_path / 'out', patch_size=32)
    summary, _ = run(src, tmp_path / 'ok', patch_size=32, label_encoding='0_1')
    assert sum(summary.patches.values()) > 0
