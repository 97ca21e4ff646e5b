"""tools/infer_scene.py and tools/export_onnx.py on a tiny config and checkpoint."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from cdkd.apis import change_probability, inference_model, init_model
from tests.test_tools.test_train_test_infer import write_config

rasterio = pytest.importorskip('rasterio', reason='large-scene inference needs rasterio')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny')
    config = write_config(str(root / 'tiny.py'), str(root / 'data'))
    torch.manual_seed(0)
    model = init_model(config)
    torch.save(dict(state_dict=model.state_dict(), meta={}), root / 'tiny.pth')
    return config, str(root / 'tiny.pth')


def test_scene_tool_matches_pair_inference(tmp_path, tiny_checkpoint):
    config, ckpt = tiny_checkpoint
    rng = np.random.default_rng(0)
    for name in ('a', 'b'):
        cv2.imwrite(str(tmp_path / f'{name}.png'), rng.integers(0, 256, (160, 160, 3), np.uint8))
    args = ['--t1', str(tmp_path / 'a.png'), '--t2', str(tmp_path / 'b.png'),
            '--out', str(tmp_path / 'change.tif'), '--prob-out', str(tmp_path / 'prob.tif'),
            '--prob-dtype', 'float32', '--tile', '100', '--overlap', '32']
    with pytest.raises(ValueError, match='--tile 100 must be a multiple of 32'):
        load_tool('infer_scene').main([config, ckpt] + args)
    args[-3] = '160'  # one tile covers the scene: equals whole-image inference
    summary = load_tool('infer_scene').main([config, ckpt] + args)
    assert summary['tiles'] == 1
    sample = inference_model(init_model(config, ckpt), [str(tmp_path / 'a.png'),
                                                        str(tmp_path / 'b.png')])
    with rasterio.open(tmp_path / 'prob.tif') as src:
        prob = src.read(1)
    np.testing.assert_allclose(prob, change_probability(sample), atol=1e-5)
    with rasterio.open(tmp_path / 'change.tif') as src:
        np.testing.assert_array_equal(src.read(1), sample.pred_sem_seg.data[0].numpy())


def test_export_tool_verifies(tmp_path, tiny_checkpoint, capsys):
    pytest.importorskip('onnxruntime', reason='the export check needs onnxruntime')
    config, ckpt = tiny_checkpoint
    load_tool('export_onnx').main([config, ckpt, '--out', str(tmp_path / 'm.onnx'), '--size', '64',
                                   '--verify'])
    assert 'onnxruntime matches PyTorch' in capsys.readouterr().out
    assert osp.getsize(tmp_path / 'm.onnx') > 10000
