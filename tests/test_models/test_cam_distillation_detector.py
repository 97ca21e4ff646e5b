"""CAMDistillationDetector: KD-MSI losses, gradient routing, CAM target, outputs."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from cdkd.models.utils import make_cam
from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_backbone


def tiny_kdmsi(**kwargs):
    backbone = dict(tiny_backbone(), out_indices=(3, ), strides=(1, 2, 2, 1))
    cfg = dict(type='CAMDistillationDetector',
               teacher=dict(type='SiameseCAMNet', backbone=backbone, in_channels=64,
                            fusion='abs_diff'),
               student=dict(type='SiameseCAMNet', backbone=backbone, in_channels=64,
                            fusion='concat'),
               **kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def labelled(labels, size=32):
    return [SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size)),
                          gt_image_label=torch.tensor(y)) for y in labels]


def test_loss_values_follow_the_formula():
    model = tiny_kdmsi()
    inputs = torch.randn(2, 6, 32, 32)
    losses = model.loss(inputs, labelled([1, 0]))
    g_t, g_s = model.teacher(inputs), model.student(inputs)
    assert g_t.shape == (2, 1, 2, 2)  # output stride 16
    y = torch.tensor([1.0, 0.0])
    cls = F.binary_cross_entropy_with_logits(g_t.mean(dim=(1, 2, 3)), y)
    cam = make_cam(g_t) * y.view(-1, 1, 1, 1)
    assert torch.all(cam[1] == 0)  # a no-change pair distils an all-zero target
    kd = 10 * F.mse_loss(torch.sigmoid(g_s), cam)
    torch.testing.assert_close(losses['loss_cls'], cls, atol=1e-6, rtol=0)
    torch.testing.assert_close(losses['loss_kd'], kd, atol=1e-6, rtol=0)


def test_cam_target_carries_no_gradient_and_only_teacher_gets_cls():
    model = tiny_kdmsi()
    losses = model.loss(torch.randn(2, 6, 32, 32), labelled([1, 1]))
    losses['loss_kd'].backward(retain_graph=True)
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.student.parameters())
    model.zero_grad(set_to_none=True)
    losses['loss_cls'].backward()
    assert all(p.grad is None for p in model.student.parameters())
    assert model.teacher.classifier.weight.grad.abs().sum() > 0


def test_ungated_cam_option():
    model = tiny_kdmsi(label_gated_cam=False)
    inputs = torch.randn(1, 6, 32, 32)
    losses = model.loss(inputs, labelled([0]))
    cam = make_cam(model.teacher(inputs))
    expected = 10 * F.mse_loss(torch.sigmoid(model.student(inputs)), cam)
    torch.testing.assert_close(losses['loss_kd'], expected, atol=1e-6, rtol=0)


def test_missing_image_label_is_a_clear_error():
    model = tiny_kdmsi()
    with pytest.raises(KeyError, match='ImageLevelChangeLabel'):
        model.loss(torch.randn(1, 6, 32, 32), [SegDataSample()])


@pytest.mark.parametrize('output', ['student', 'teacher'])
@pytest.mark.parametrize('upsample', ['nearest', 'bilinear'])
def test_predict_outputs_probability_and_threshold(output, upsample):
    """The map is made at the feature stride (sigmoid / CAM there), then upsampled: nearest is the
    official model-selection resolution (each stride-16 cell fills a 16 x 16 block)."""
    model = tiny_kdmsi(threshold=0.4, test_cfg=dict(output=output, upsample=upsample)).eval()
    inputs = torch.randn(2, 6, 32, 32)
    with torch.no_grad():
        out = model.predict(inputs, labelled([1, 0]))
        raw = model.encode_decode(inputs)
    assert raw.shape == (2, 1, 2, 2)
    low = torch.sigmoid(raw) if output == 'student' else make_cam(raw)
    if upsample == 'nearest':
        prob = low[:, 0].repeat_interleave(16, dim=1).repeat_interleave(16, dim=2)
    else:
        prob = F.interpolate(low, size=(32, 32), mode='bilinear', align_corners=False)[:, 0]
    for i, sample in enumerate(out):
        assert sample.seg_logits.data.shape == (1, 32, 32)
        torch.testing.assert_close(sample.seg_logits.data[0], prob[i], atol=1e-6, rtol=0)
        assert torch.equal(sample.pred_sem_seg.data[0], (prob[i] > 0.4).long())


def test_bad_output_name():
    with pytest.raises(ValueError, match='output'):
        tiny_kdmsi(test_cfg=dict(output='both'))
    with pytest.raises(ValueError, match='upsample'):
        tiny_kdmsi(test_cfg=dict(upsample='bicubic'))
