"""Scene inference: footprints that do not overlap are an error (not an all-nodata map); the
config's band selection (MultiImgSelectBands) is applied to the rasters as test.py applies it."""
import numpy as np
import pytest
import torch

from cdkd.apis import infer_scene, inference_model, init_model
from cdkd.apis.scene_inference import select_bands
from tests.test_apis.test_scene_inference import pointwise_probs, write_raster
from tests.test_tools.test_infer_scene_export_tools import load_tool
from tests.test_tools.test_train_test_infer import write_config

rasterio = pytest.importorskip('rasterio', reason='large-scene inference needs rasterio')
from rasterio.transform import from_origin  # noqa: E402


def test_resample_without_overlap_names_both_footprints(tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(1, 256, (3, 64, 64), dtype=np.uint8)
    a = write_raster(tmp_path / 'a.tif', img)
    far = write_raster(tmp_path / 'far.tif', img, transform=from_origin(600000, 4000000, 2.0, 2.0))
    with pytest.raises(ValueError, match=r'a\.tif \(bounds .*CRS EPSG:32633\) and .*far\.tif '
                                         r'\(bounds \(600000\.0, .*\) do not overlap'):
        infer_scene(pointwise_probs, a, far, str(tmp_path / 'c.tif'), resample_t2=True,
                    progress=False)
    geographic = write_raster(tmp_path / 'geo.tif', img, crs='EPSG:4326',
                              transform=from_origin(100.0, 10.0, 0.001, 0.001))
    with pytest.raises(ValueError, match=r'CRS EPSG:4326, .* in CRS EPSG:32633\) do not overlap'):
        infer_scene(pointwise_probs, a, geographic, str(tmp_path / 'c.tif'), resample_t2=True,
                    progress=False)
    assert not (tmp_path / 'c.tif').exists()
    partly = write_raster(tmp_path / 'partly.tif', img,
                          transform=from_origin(500064, 4000000, 2.0, 2.0))  # half overlaps
    summary = infer_scene(pointwise_probs, a, partly, str(tmp_path / 'c.tif'), tile=64,
                          overlap=16, resample_t2=True, progress=False)
    assert summary['nodata_pixels'] == 64 * 32


def test_select_bands_composes_steps_like_the_transform():
    assert select_bands((1, 1), [[[0, 0, 0], [0, 0, 0]]], ('a', 'b')) == [(0, 0, 0), (0, 0, 0)]
    assert select_bands((4, 3), [[[2, 1, 0], None], [[-1, 0], [1]]], ('a', 'b')) == [(0, 2), (1, )]
    with pytest.raises(ValueError, match=r'b: bands \[3\] requested .* the image has 3'):
        select_bands((3, 3), [[None, [3]]], ('a', 'b'))
    with pytest.raises(ValueError, match='selects bands for 3 dates'):
        select_bands((3, 3), [[None, None, None]], ('a', 'b'))


GREY_TO_RGB = """
band_pipeline = [dict(type='LoadMultiImageFromFile'), dict(type='LoadChangeAnnotation'),
                 dict(type='MultiImgSelectBands', bands=[[0, 0, 0], [0, 0, 0]]),
                 dict(type='PackChangeInputs')]
test_dataloader = dict(dataset=dict(pipeline=band_pipeline))
"""


def test_scene_tool_applies_the_configs_band_selection(tmp_path):
    """A single-band SAR pair through an RGB model: scene inference equals tools/infer.py."""
    config = write_config(str(tmp_path / 'grey.py'), str(tmp_path / 'data'), extra=GREY_TO_RGB)
    torch.manual_seed(0)
    torch.save(dict(state_dict=init_model(config).state_dict(), meta={}), tmp_path / 'm.pth')
    rng = np.random.default_rng(1)
    grey = [rng.integers(0, 256, (1, 64, 64), dtype=np.uint8) for _ in range(2)]
    paths = [write_raster(tmp_path / f'{n}.tif', g) for n, g in zip('ab', grey)]
    summary = load_tool('infer_scene').main([
        config, str(tmp_path / 'm.pth'), '--t1', paths[0], '--t2', paths[1], '--out',
        str(tmp_path / 'c.tif'), '--prob-out', str(tmp_path / 'p.tif'), '--prob-dtype', 'float32',
        '--tile', '64', '--overlap', '0'])
    assert summary['tiles'] == 1
    sample = inference_model(init_model(config, str(tmp_path / 'm.pth')), paths)
    with rasterio.open(tmp_path / 'p.tif') as src:
        np.testing.assert_allclose(src.read(1), sample.seg_logits.data.softmax(0)[1].numpy(),
                                   atol=1e-5)
