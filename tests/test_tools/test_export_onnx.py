"""ONNX export: onnxruntime matches PyTorch to 1e-4 on two input sizes, both head types."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch

from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_detector

pytest.importorskip('onnx', reason='ONNX export needs onnx (requirements/tests.txt)')
ort = pytest.importorskip('onnxruntime', reason='the export check needs onnxruntime')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('export_onnx', osp.join(REPO, 'tools', 'export_onnx.py'))
export_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(export_tool)


@pytest.mark.parametrize('single_logit', [False, True])
def test_onnxruntime_matches_pytorch(tmp_path, single_logit):
    torch.manual_seed(0)
    model = MODELS.build(tiny_detector(single_logit=single_logit)).eval()
    path = export_tool.export_onnx(model, str(tmp_path / 'model.onnx'), size=64)
    worst = export_tool.verify_onnx(model, path, shapes=((1, 64, 64), (2, 96, 128)), atol=1e-4)
    assert worst <= 1e-4
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    (prob, ) = session.run(['change_prob'], dict(inputs=np.zeros((3, 6, 32, 64), np.float32)))
    assert prob.shape == (3, 1, 32, 64) and 0 <= prob.min() and prob.max() <= 1
