"""The export protocol that every tool shares: the probability test.py scores (KD-MSI's CAM output
included) and one threshold look-up (a detector's own, a distiller's student's, under TTA too)."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.structures import SegDataSample

from cdkd.apis import ChangeProbabilityNet, build_tta_model, change_threshold
from cdkd.registry import MODELS
from tests.test_models.test_cam_distillation_detector import tiny_kdmsi
from tests.test_models.tiny import tiny_detector

PREPROCESSOR = dict(type='ChangeDataPreProcessor', temporal_bands=(3, 3), mean=[128.0] * 6,
                    std=[64.0] * 6, size_divisor=32)


def scored_map(model, inputs):
    """What tools/test.py scores: ``seg_logits`` of the model's own test_step."""
    sample = SegDataSample(metainfo=dict(img_shape=inputs.shape[-2:], ori_shape=inputs.shape[-2:]))
    with torch.no_grad():
        return model.test_step(dict(inputs=[inputs], data_samples=[sample]))[0]


@pytest.mark.parametrize('output', ['student', 'teacher'])
def test_probability_net_outputs_what_test_scores_for_kdmsi(output):
    """test_cfg.output='teacher' (kdmsi-teachercam_*, cambaseline_*) scores CAM(G_t), not its
    sigmoid: scene inference and ONNX export must output the same map."""
    model = tiny_kdmsi(data_preprocessor=PREPROCESSOR, test_cfg=dict(output=output)).eval()
    inputs = torch.randint(0, 256, (6, 64, 64), dtype=torch.uint8)
    expected = scored_map(model, inputs).seg_logits.data[0]
    with torch.no_grad():
        prob = ChangeProbabilityNet(model).eval()(inputs[None].float())[0, 0]
    torch.testing.assert_close(prob, expected, atol=1e-5, rtol=0)
    with torch.no_grad():
        raw = model.encode_decode(model.data_preprocessor(
            dict(inputs=[inputs], data_samples=None))['inputs'])  # stride-16 map
    raw = F.interpolate(raw, size=prob.shape, mode='nearest')[0, 0]
    sigmoid_differs = (torch.sigmoid(raw) - prob).abs().max() > 0.1
    assert sigmoid_differs == (output == 'teacher')  # the CAM is not sigmoid(G_t)


def test_kdmsi_threshold_is_the_detectors_own():
    model = tiny_kdmsi(data_preprocessor=PREPROCESSOR, threshold=0.3).eval()
    assert change_threshold(model) == 0.3
    model.cfg = Config(dict(tta_model=dict(type='MultiScaleChangeTTA', scales=(1.0, ), flip=False)))
    assert build_tta_model(model).threshold == 0.3


def test_stkd_distiller_threshold_under_tta_is_the_students_heads():
    """MultiScaleChangeTTA around a distiller (tools/test.py --tta wraps cfg.model) reads the
    threshold of the network that predicts, export_module(), like change_threshold()."""
    distiller = dict(type='STKDDistiller', detector=tiny_detector(single_logit=True, threshold=0.3))
    tta = MODELS.build(dict(type='MultiScaleChangeTTA', module=distiller, scales=(1.0, )))
    assert change_threshold(tta.module) == 0.3
    assert tta.threshold == 0.3
    two_class = MODELS.build(dict(type='MultiScaleChangeTTA', module=dict(
        type='STKDDistiller', detector=tiny_detector()), scales=(1.0, )))
    assert two_class.threshold == 0.5
    explicit = MODELS.build(dict(type='MultiScaleChangeTTA', module=distiller, threshold=0.7))
    assert explicit.threshold == 0.7
