"""Large-scene inference: tiling, blending, strip writing, nodata, grids, polygons, atomicity."""
import json
import os

import numpy as np
import pytest
import torch

from cdkd.apis import infer_scene
from cdkd.apis.scene_inference import blend_weight, tile_origins

rasterio = pytest.importorskip('rasterio', reason='large-scene inference needs rasterio')
from rasterio.transform import from_origin  # noqa: E402

CRS = 'EPSG:32633'


def write_raster(path, data, transform=None, nodata=None, crs=CRS):
    bands, h, w = data.shape
    with rasterio.open(path, 'w', driver='GTiff', width=w, height=h, count=bands,
                       dtype=data.dtype, crs=crs, nodata=nodata,
                       transform=transform or from_origin(500000, 4000000, 2.0, 2.0)) as dst:
        dst.write(data)
    return str(path)


def pointwise_probs(batch):
    """A per-pixel predictor: any tiling and blending must reproduce it exactly."""
    return torch.sigmoid((batch[:, 3:].mean(1) - batch[:, :3].mean(1)) / 20.0)


def expected_probs(img_t1, img_t2):
    a, b = img_t1.astype(np.float32), img_t2.astype(np.float32)
    return 1 / (1 + np.exp(-(b.mean(0) - a.mean(0)) / 20.0))


@pytest.fixture
def scene(tmp_path):
    rng = np.random.default_rng(0)
    img_t1 = rng.integers(1, 256, (3, 300, 700), dtype=np.uint8)
    img_t2 = rng.integers(1, 256, (3, 300, 700), dtype=np.uint8)
    return (img_t1, img_t2, write_raster(tmp_path / 'a.tif', img_t1),
            write_raster(tmp_path / 'b.tif', img_t2))


def test_tile_origins_cover_and_end_at_border():
    assert tile_origins(700, 128, 32) == [0, 96, 192, 288, 384, 480, 572]
    assert tile_origins(100, 128, 32) == [0]
    with pytest.raises(ValueError, match='overlap must be'):
        tile_origins(700, 128, 128)


def test_blend_weight_is_smooth_positive_and_flat_inside():
    w = blend_weight(64, 16)
    assert w.shape == (64, 64) and w.min() > 0 and w[16:48, 16:48].min() == 1.0
    np.testing.assert_allclose(w, w.T)
    assert np.all(np.diff(w[32, :17]) > 0)
    assert blend_weight(8, 0).min() == 1.0


def test_tiled_blend_reproduces_a_pointwise_predictor(scene, tmp_path):
    img_t1, img_t2, path_t1, path_t2 = scene
    out, prob = str(tmp_path / 'change.tif'), str(tmp_path / 'prob.tif')
    summary = infer_scene(pointwise_probs, path_t1, path_t2, out, tile=128, overlap=32,
                          batch_size=3, prob_path=prob, prob_dtype='float32', progress=False)
    expected = expected_probs(img_t1, img_t2)
    assert summary['tiles'] == 3 * 7 and (summary['width'], summary['height']) == (700, 300)
    with rasterio.open(prob) as src:
        np.testing.assert_allclose(src.read(1), expected, atol=1e-5)
    with rasterio.open(out) as src, rasterio.open(path_t1) as ref:
        assert (src.crs, src.transform, src.shape) == (ref.crs, ref.transform, ref.shape)
        assert src.dtypes[0] == 'uint8' and src.nodata == 255
        np.testing.assert_array_equal(src.read(1), (expected > 0.5).astype(np.uint8))
    assert summary['changed_pixels'] == int((expected > 0.5).sum())
    assert not [f for f in os.listdir(tmp_path) if 'partial' in f]


def test_scene_smaller_than_tile_is_padded(tmp_path):
    rng = np.random.default_rng(1)
    img_t1, img_t2 = (rng.integers(0, 256, (3, 40, 70), dtype=np.uint8) for _ in range(2))
    paths = [write_raster(tmp_path / n, d) for n, d in (('a.tif', img_t1), ('b.tif', img_t2))]
    infer_scene(pointwise_probs, *paths, str(tmp_path / 'c.tif'), tile=128, overlap=32,
                prob_path=str(tmp_path / 'p.tif'), prob_dtype='float32', progress=False)
    with rasterio.open(tmp_path / 'p.tif') as src:
        np.testing.assert_allclose(src.read(1), expected_probs(img_t1, img_t2), atol=1e-5)


def test_nodata_in_either_input_is_nodata_in_outputs(tmp_path):
    rng = np.random.default_rng(2)
    img_t1 = rng.integers(1, 256, (3, 96, 96), dtype=np.uint8)
    img_t2 = rng.integers(1, 256, (3, 96, 96), dtype=np.uint8)
    img_t1[:, :10, :] = 0
    img_t2[:, :, -5:] = 0
    path_t1 = write_raster(tmp_path / 'a.tif', img_t1, nodata=0)
    path_t2 = write_raster(tmp_path / 'b.tif', img_t2, nodata=0)
    summary = infer_scene(pointwise_probs, path_t1, path_t2, str(tmp_path / 'c.tif'), tile=64,
                          overlap=16, prob_path=str(tmp_path / 'p.tif'), progress=False)
    nodata = np.zeros((96, 96), bool)
    nodata[:10, :] = nodata[:, -5:] = True
    assert summary['nodata_pixels'] == int(nodata.sum())
    with rasterio.open(tmp_path / 'c.tif') as src:
        change = src.read(1)
    np.testing.assert_array_equal(change == 255, nodata)
    with rasterio.open(tmp_path / 'p.tif') as src:  # uint8 probability: nodata in the mask band
        assert src.dtypes[0] == 'uint8'
        np.testing.assert_array_equal(src.dataset_mask() == 0, nodata)


def test_grid_mismatch_is_an_error_unless_resampled(scene, tmp_path):
    img_t1, img_t2, path_t1, _ = scene
    shifted = write_raster(tmp_path / 'shifted.tif', img_t2,
                           transform=from_origin(500004, 4000000, 2.0, 2.0))
    with pytest.raises(ValueError, match=r'not on the same grid \(transform .*--resample-b'):
        infer_scene(pointwise_probs, path_t1, shifted, str(tmp_path / 'c.tif'), progress=False)
    other_crs = write_raster(tmp_path / 'crs.tif', img_t2, crs='EPSG:4326')
    with pytest.raises(ValueError, match='CRS EPSG:32633 vs EPSG:4326'):
        infer_scene(pointwise_probs, path_t1, other_crs, str(tmp_path / 'c.tif'), progress=False)
    assert not os.path.exists(tmp_path / 'c.tif')
    # Resampled: t2 shifted 2 pixels east lands on t1's grid shifted back by 2 columns.
    infer_scene(pointwise_probs, path_t1, shifted, str(tmp_path / 'r.tif'), tile=128, overlap=32,
                resample_t2=True, prob_path=str(tmp_path / 'rp.tif'), prob_dtype='float32',
                progress=False)
    with rasterio.open(tmp_path / 'rp.tif') as src:
        prob = src.read(1)
    assert prob.shape == (300, 700)
    expected = expected_probs(img_t1[:, :, 2:], img_t2[:, :, :-2])
    np.testing.assert_allclose(prob[:, 2:], expected, atol=1e-5)
    assert np.isnan(prob[:, :2]).all()  # outside t2's footprint: nodata, not zeros
    with rasterio.open(tmp_path / 'r.tif') as src:
        assert (src.read(1)[:, :2] == 255).all()


def test_band_count_checked(scene, tmp_path):
    _, _, path_t1, path_t2 = scene
    with pytest.raises(ValueError, match=r'have 3 and 3 bands, the model expects .*\(4, 4\)'):
        infer_scene(pointwise_probs, path_t1, path_t2, str(tmp_path / 'c.tif'),
                    expected_bands=(4, 4), progress=False)


def test_failure_leaves_no_output(scene, tmp_path):
    _, _, path_t1, path_t2 = scene
    calls = []

    def failing(batch):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError('boom')
        return pointwise_probs(batch)

    with pytest.raises(RuntimeError, match='boom'):
        infer_scene(failing, path_t1, path_t2, str(tmp_path / 'c.tif'), tile=128, overlap=32,
                    batch_size=2, progress=False)
    assert [f for f in os.listdir(tmp_path) if f not in ('a.tif', 'b.tif')] == []


def test_polygons_of_changed_regions_and_png_inputs(tmp_path):
    import cv2
    img_t1 = np.full((64, 96, 3), 100, np.uint8)
    img_t2 = img_t1.copy()
    img_t2[8:24, 10:30] = 250  # a 16 x 20 changed rectangle
    img_t2[40:50, 60:64] = 250  # a 10 x 4 one
    cv2.imwrite(str(tmp_path / 'a.png'), img_t1)
    cv2.imwrite(str(tmp_path / 'b.png'), img_t2)
    summary = infer_scene(pointwise_probs, str(tmp_path / 'a.png'), str(tmp_path / 'b.png'),
                          str(tmp_path / 'c.tif'), tile=64, overlap=16,
                          polygons_path=str(tmp_path / 'c.geojson'), progress=False)
    assert summary['changed_pixels'] == 16 * 20 + 10 * 4 and summary['polygons'] == 2
    with open(tmp_path / 'c.geojson') as f:
        collection = json.load(f)
    assert sorted(f['properties']['area_px'] for f in collection['features']) == [40, 320]
