"""STKDDistiller: loss terms, teacher stop-gradient, EMA teacher, inference = plain detector."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.models.distillers import STKDDistiller
from cdkd.registry import MODELS

from ..tiny import tiny_detector


def make_batch(n=2, size=32, seed=0, student='noise'):
    """Packed samples; the student view is B plus noise, an identical copy, or absent."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        x = torch.randint(0, 256, (6, size, size), generator=g, dtype=torch.uint8)
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 2, (1, size, size), generator=g))
        sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size)))
        if student == 'noise':
            view = x.clone()
            view[3:] = (view[3:].int() + torch.randint(-40, 40, view[3:].shape, generator=g)
                        ).clamp(0, 255).to(torch.uint8)
            sample.student_inputs = view
        elif student == 'same':
            sample.student_inputs = x.clone()
        inputs.append(x)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(single_logit=False, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='STKDDistiller', detector=tiny_detector(single_logit=single_logit),
                             **kwargs))


def losses_of(model, batch):
    data = model.data_preprocessor(batch, True)
    return model(**data, mode='loss')


@pytest.mark.parametrize('single_logit', [False, True])
def test_train_step_logs_all_terms_and_updates_weights(single_logit):
    model = build(single_logit, feature_losses=[
        dict(source='neck', loss=dict(type='FeatureDistillLoss'))])
    before = {k: v.clone() for k, v in model.detector.state_dict().items()}
    log = model.train_step(make_batch(), OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    for key in ('loss', 'teacher.decode.loss_ce', 'student.decode.loss_ce', 'distill.loss_kl',
                'feat.neck.loss_feat'):
        assert key in log and torch.isfinite(torch.as_tensor(log[key]))
    assert log['distill.loss_kl'] > 0 and log['feat.neck.loss_feat'] > 0
    after = model.detector.state_dict()
    assert not torch.equal(before['backbone.stem.0.weight'], after['backbone.stem.0.weight'])
    assert not torch.equal(before['decode_head.conv_seg.weight'],
                           after['decode_head.conv_seg.weight'])


def test_distillation_zero_when_views_agree_and_weights_apply():
    model = build(student_sup_weight=0.5, teacher_sup_weight=2.0,
                  feature_losses=[dict(source='backbone.layer4',
                                       loss=dict(type='FeatureDistillLoss'))])
    losses = losses_of(model, make_batch(student='same'))
    assert losses['distill.loss_kl'].item() == pytest.approx(0.0, abs=1e-7)
    assert losses['feat.backbone.layer4.loss_feat'].item() == pytest.approx(0.0, abs=1e-7)
    # identical views: the weighted supervised losses differ only by their weights
    assert (losses['teacher.decode.loss_ce'] / 2.0).item() == pytest.approx(
        (losses['student.decode.loss_ce'] / 0.5).item(), rel=1e-5)


@pytest.mark.parametrize('detach', [True, False])
def test_teacher_stop_gradient_flag(detach):
    model = build(detach_teacher=detach)
    seen = {}
    original = model.distill_loss.forward

    def spy(student, teacher, valid_mask=None):
        seen.update(student=student.requires_grad, teacher=teacher.requires_grad)
        teacher.retain_grad() if teacher.requires_grad else None
        seen['teacher_tensor'] = teacher
        return original(student, teacher, valid_mask)

    model.distill_loss.forward = spy
    losses = losses_of(model, make_batch())
    losses['distill.loss_kl'].backward()
    assert seen['student'] and seen['teacher'] is (not detach)
    if not detach:  # the distillation gradient reaches the teacher branch
        assert seen['teacher_tensor'].grad.abs().sum() > 0


def test_supervised_only_skips_student_and_missing_view_is_an_error():
    model = build(distill_loss=None, student_sup_weight=0.0)
    losses = losses_of(model, make_batch(student=None))
    assert set(losses) == {'teacher.decode.loss_ce', 'teacher.decode.acc_seg'}
    with pytest.raises(KeyError, match='needs a student view'):
        losses_of(build(), make_batch(student=None))
    with pytest.raises(ValueError, match='test_with'):
        build(test_with='ema_teacher')


def test_ema_teacher_targets_have_no_gradient():
    model = build(ema_teacher=True, test_with='ema_teacher')
    model.init_weights()
    model.train()
    assert not model.ema_teacher.training
    assert all(not p.requires_grad for p in model.ema_teacher.parameters())
    for a, b in zip(model.detector.state_dict().values(), model.ema_teacher.state_dict().values()):
        assert torch.equal(a, b)
    losses = losses_of(model, make_batch())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.ema_teacher.parameters())


@pytest.mark.parametrize('single_logit', [False, True])
def test_inference_equals_plain_detector_with_converted_weights(single_logit):
    model = build(single_logit)
    model.train_step(make_batch(), OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    model.eval()
    plain = MODELS.build(tiny_detector(single_logit=single_logit))
    plain.load_state_dict(STKDDistiller.detector_state_dict(model.state_dict()))
    plain.eval()
    batch = make_batch(seed=1)
    with torch.no_grad():
        ours = model.test_step(batch)
        ref = plain.test_step(make_batch(seed=1))
        tensor = model(model.data_preprocessor(batch)['inputs'], mode='tensor')
    for a, b in zip(ours, ref):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    assert tensor.shape[1] == (1 if single_logit else 2)
    with pytest.raises(KeyError, match='ema_teacher'):
        STKDDistiller.detector_state_dict(model.state_dict(), 'ema_teacher')


def test_msi_tta_wraps_the_distillers_student():
    from cdkd.models.tta import MultiScaleChangeTTA
    model = build(single_logit=True).eval()
    plain = MODELS.build(tiny_detector(single_logit=True))
    plain.load_state_dict(STKDDistiller.detector_state_dict(model.state_dict()))
    plain.eval()
    inputs = model.data_preprocessor(make_batch(seed=2))['inputs']
    with torch.no_grad():
        ours = MultiScaleChangeTTA(module=model, scales=(0.5, 1.0)).change_probability(inputs)
        ref = MultiScaleChangeTTA(module=plain, scales=(0.5, 1.0)).change_probability(inputs)
    assert torch.allclose(ours, ref, atol=1e-6)
