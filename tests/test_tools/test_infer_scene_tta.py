"""tools/infer_scene.py --tta on a tiny single-logit config: the config's MultiScaleChangeTTA per
tile, equal to tools/test.py's TTA path; --cfg-options; a config without tta_model."""
import numpy as np
import pytest
import torch
from mmseg.structures import SegDataSample

from cdkd.apis import ChangeProbabilityNet, build_tta_model, init_model
from tests.test_apis.test_scene_inference import write_raster
from tests.test_tools.test_infer_scene_export_tools import load_tool
from tests.test_tools.test_train_test_infer import write_config

rasterio = pytest.importorskip('rasterio', reason='large-scene inference needs rasterio')

SINGLE_LOGIT = """
model = dict(decode_head=dict(out_channels=1, threshold=0.45,
             loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)))
"""
TTA = "tta_model = dict(type='MultiScaleChangeTTA', mode='msi', scales=(0.5, 1.0), flip=True)\n"


@pytest.fixture(scope='module')
def tiny_tta_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('scene_tta')
    config = write_config(str(root / 'tta.py'), str(root / 'data'), extra=SINGLE_LOGIT + TTA)
    plain_config = write_config(str(root / 'plain.py'), str(root / 'data'), extra=SINGLE_LOGIT)
    torch.manual_seed(0)
    model = init_model(config)
    for m in model.modules():  # non-trivial BN statistics, so a failed load would show
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
    torch.save(dict(state_dict=model.state_dict(), meta={}), root / 'tiny.pth')
    rng = np.random.default_rng(0)
    stacked = rng.integers(0, 256, (6, 64, 64)).astype(np.uint8)
    paths = [write_raster(root / 'a.tif', stacked[:3]), write_raster(root / 'b.tif', stacked[3:])]
    return config, plain_config, str(root / 'tiny.pth'), stacked, paths


def run_scene_tool(config, ckpt, paths, out_dir, *extra):
    args = [config, ckpt, '--t1', paths[0], '--t2', paths[1], '--out', str(out_dir / 'c.tif'),
            '--prob-out', str(out_dir / 'p.tif'), '--prob-dtype', 'float32', '--tile', '64',
            '--overlap', '16', '--tta', *extra]
    load_tool('infer_scene').main(args)
    with rasterio.open(out_dir / 'p.tif') as src:
        return src.read(1)


def test_scene_tta_tool_matches_the_test_tool_tta_path(tmp_path, tiny_tta_setup):
    config, _, ckpt, stacked, paths = tiny_tta_setup
    prob = run_scene_tool(config, ckpt, paths, tmp_path)  # one tile covers the 64 x 64 scene
    model = init_model(config, ckpt)
    tta = build_tta_model(model)
    assert tta.scales == (0.5, 1.0) and tta.flip and tta.threshold == 0.45
    sample = SegDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64)))
    with torch.no_grad():  # tools/test.py --tta: the detector's preprocessor, then the TTA
        expected = tta.test_step(dict(inputs=[torch.from_numpy(stacked)],
                                      data_samples=[sample]))[0].seg_logits.data[0].numpy()
    np.testing.assert_allclose(prob, expected, atol=1e-5, rtol=0)
    with rasterio.open(tmp_path / 'c.tif') as src, rasterio.open(paths[0]) as ref:
        assert (src.crs, src.transform, src.shape) == (ref.crs, ref.transform, ref.shape)
        np.testing.assert_array_equal(src.read(1), (prob > 0.45).astype(np.uint8))


def test_cfg_options_reach_the_tta_model(tmp_path, tiny_tta_setup):
    """One scale without flips: the TTA map equals the plain network's (one sigmoid)."""
    config, _, ckpt, stacked, paths = tiny_tta_setup
    prob = run_scene_tool(config, ckpt, paths, tmp_path, '--cfg-options',
                          'tta_model.scales=[1.0]', 'tta_model.flip=False')
    with torch.no_grad():
        plain = ChangeProbabilityNet(init_model(config, ckpt))(
            torch.from_numpy(stacked)[None].float())[0, 0].numpy()
    np.testing.assert_allclose(prob, plain, atol=1e-5, rtol=0)


def test_tta_without_tta_model_names_the_config(tmp_path, tiny_tta_setup):
    _, plain_config, ckpt, _, paths = tiny_tta_setup
    with pytest.raises(KeyError, match=r'needs a tta_model in .*plain\.py'):
        run_scene_tool(plain_config, ckpt, paths, tmp_path)
    assert not (tmp_path / 'c.tif').exists()
