"""ONNX export: onnxruntime matches PyTorch to 1e-4 on two input sizes, both head types."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch

from cdkd.registry import MODELS
from tests.test_models.test_cam_distillation_detector import tiny_kdmsi
from tests.test_models.test_gold_change_detector import tiny_gold
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



def tiny_kdmsi_with_bands():
    return tiny_kdmsi(data_preprocessor=dict(type='ChangeDataPreProcessor', temporal_bands=(3, 3),
                                             mean=[128.0] * 6, std=[64.0] * 6))


@pytest.mark.parametrize('build, bands', [(tiny_gold, 4), (tiny_kdmsi_with_bands, 6)])
def test_distillation_models_export_their_deployed_input(tmp_path, build, bands):
    """The graph takes what the deployed network reads: GOLD's A + B (it trains on A + B + C),
    KD-MSI's pair (the detector has no temporal_bands of its own)."""
    torch.manual_seed(0)
    model = build().eval()
    path = export_tool.export_onnx(model, str(tmp_path / 'model.onnx'), size=64)
    assert export_tool.verify_onnx(model, path, shapes=((1, 64, 64), ), atol=1e-4) <= 1e-4
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    assert session.get_inputs()[0].shape[1] == bands


def test_unknown_band_count_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match='temporal_bands'):
        export_tool.export_onnx(tiny_kdmsi().eval(), str(tmp_path / 'model.onnx'), size=64)


def test_kdmsi_teacher_output_exports_the_scored_cam(tmp_path):
    """test_cfg.output='teacher' scores CAM(G_t): the graph outputs it too, not sigmoid(G_t)."""
    model = tiny_kdmsi(data_preprocessor=dict(
        type='ChangeDataPreProcessor', temporal_bands=(3, 3), mean=[128.0] * 6, std=[64.0] * 6),
        test_cfg=dict(output='teacher')).eval()
    with torch.no_grad():  # ReLU features x positive weights: a positive map, a CAM not all zero
        model.teacher.classifier.weight.abs_()
    path = export_tool.export_onnx(model, str(tmp_path / 'cam.onnx'), size=64)
    assert export_tool.verify_onnx(model, path, shapes=((1, 64, 64), ), atol=1e-4) <= 1e-4
    x = torch.rand(1, 6, 64, 64, generator=torch.Generator().manual_seed(0)) * 255
    (got, ) = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        ['change_prob'], dict(inputs=x.numpy()))
    with torch.no_grad():
        sample = model.test_step(dict(inputs=[x[0]], data_samples=None))[0]
    np.testing.assert_allclose(got[0, 0], sample.seg_logits.data[0].numpy(), atol=1e-4)
    assert got.max() == pytest.approx(1.0, abs=1e-3)  # a CAM: max-normalised per image


@pytest.mark.parametrize('config', ['configs/compression/tinycd_mnv2_256x256_40k_levircd.py',
                                    'configs/compression/siamfpn_mnv2_256x256_40k_levircd.py'])
def test_compression_students_export(tmp_path, config):
    """The deployable students as shipped (TinyCD: grouped convs, InstanceNorm, PReLU, masked
    up-sampling; MobileNetV2 FPN) export and match PyTorch at two sizes."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    path = export_tool.export_onnx(model, str(tmp_path / 'student.onnx'), size=64)
    assert export_tool.verify_onnx(model, path, shapes=((1, 64, 64), (2, 96, 128)),
                                   atol=1e-4) <= 1e-4
