import copy

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_backbone, tiny_detector


def tiny_gold(**overrides):
    cfg = tiny_detector(temporal_bands=(3, 1), backbone_t2=tiny_backbone(1))
    cfg.update(type='GOLDChangeDetector', teacher_backbone_t2=tiny_backbone(3), teacher_bands=3,
               attention=dict(in_channels=64, reduction=4),
               distill_loss=dict(type='GOLDDistillLoss', temperature=2.0),
               task_weighting=dict(type='UncertaintyTaskWeighting', warmup_epochs=1),
               iters_per_epoch=2)
    cfg['data_preprocessor'].update(type='HeteroChangeDataPreProcessor', temporal_bands=(3, 1, 3),
                                    mean=[128.0] * 7, std=[64.0] * 7)
    cfg.update(overrides)
    return MODELS.build(cfg)


def batch(n=2, size=64, channels=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 255, (channels, size, size), generator=g, dtype=torch.uint8))
        s = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                        pad_shape=(size, size)))
        s.gt_sem_seg = PixelData(data=(torch.rand(1, size, size, generator=g) > 0.7).long())
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_gold_train_step_updates_student_and_teacher():
    torch.manual_seed(0)
    # no warm-up: at epoch 0 of a warm-up the weights are the fixed ones, with no gradient
    model = tiny_gold(task_weighting=dict(type='UncertaintyTaskWeighting', warmup_epochs=0))
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    data = model.data_preprocessor(batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'loss_cd', 'loss_distill', 'loss_attention', 'weight_cd',
            'weight_distill', 'weight_attention', 'student_ce', 'teacher_ce', 'kd_out'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    optim.zero_grad()
    total.backward()
    for name in ('backbone', 'backbone_t2', 'teacher_backbone_t2', 'decode_head',
                 'teacher_decode_head', 'student_attention', 'teacher_attention', 'task_weighting'):
        grads = [p.grad for p in getattr(model, name).parameters() if p.requires_grad]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), name
    optim.step()
    after = model.state_dict()
    assert not torch.equal(before['backbone_t2.stem.0.weight'], after['backbone_t2.stem.0.weight'])


def test_change_task_weights_teacher_loss_below_student_loss():
    model = tiny_gold(task_weighting=dict(type='UncertaintyTaskWeighting', mode='fixed',
                                          fixed_weights=(1.0, 0.0, 0.0)), teacher_cd_weight=0.25)
    data = model.data_preprocessor(batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert torch.allclose(losses['loss_cd'], losses['student_ce'] + 0.25 * losses['teacher_ce'])


def test_teacher_loss_and_distillation_ramp_in():
    from mmengine.logging import MessageHub
    model = tiny_gold(task_weighting=dict(type='UncertaintyTaskWeighting', mode='fixed',
                                          fixed_weights=(1.0, 1.0, 1.0)),
                      distill_warmup_epochs=2, iters_per_epoch=10)
    data = model.data_preprocessor(batch(), True)
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    start = model.loss(data['inputs'], data['data_samples'])
    assert torch.allclose(start['loss_cd'], start['student_ce'])  # teacher CE weight 0 at e = 0
    assert start['loss_distill'] == 0
    hub.update_info('iter', 10)  # e = 1: half-way, ramp 0.5
    mid = model.loss(data['inputs'], data['data_samples'])
    assert torch.allclose(mid['loss_cd'], mid['student_ce'] + 0.5 * 0.4 * mid['teacher_ce'])
    hub.update_info('iter', 0)


@pytest.mark.parametrize('detach', [True, False])
def test_teacher_loss_trains_the_shared_t1_encoder_only_without_detach(detach):
    grads = []
    for teacher_weight in (0.0, 1.0):
        torch.manual_seed(0)
        model = tiny_gold(task_weighting=dict(type='UncertaintyTaskWeighting', mode='fixed',
                                              fixed_weights=(1.0, 0.0, 0.0)),
                          teacher_cd_weight=teacher_weight, teacher_detach_t1=detach)
        data = model.data_preprocessor(batch(), True)
        model.loss(data['inputs'], data['data_samples'])['loss_cd'].backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.backbone.parameters()
                                if p.grad is not None]))
    assert torch.allclose(grads[0], grads[1]) == detach


def test_without_attention_modules():
    with pytest.raises(ValueError, match='with_attention_transfer=False'):
        tiny_gold(attention=None)
    model = tiny_gold(attention=None, with_attention_transfer=False,
                      task_weighting=dict(type='UncertaintyTaskWeighting', tasks=('cd', 'distill'),
                                          fixed_weights=(1.0, 0.3), warmup_epochs=0))
    assert model.student_attention is None and model.teacher_attention is None
    data = model.data_preprocessor(batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert losses['kd_att_channel'] == 0 and losses['kd_att_spatial'] == 0
    assert losses['kd_att_diff'] > 0
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    model.eval()
    with torch.no_grad():
        assert model(model.data_preprocessor(batch(channels=4), False)['inputs'],
                     mode='tensor').shape[1] == 2


@pytest.mark.parametrize('mode', ['gate', 'residual', 'concat'])
def test_teacher_gets_no_gradient_from_distillation(mode):
    model = tiny_gold(task_weighting=dict(type='UncertaintyTaskWeighting', mode='fixed',
                                          fixed_weights=(0.0, 1.0, 1.0)),
                      attention=dict(in_channels=64, reduction=4, mode=mode))
    data = model.data_preprocessor(batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    (losses['loss_distill'] + losses['loss_attention']).backward()
    for name in ('teacher_backbone_t2', 'teacher_decode_head', 'teacher_attention'):
        assert all(p.grad is None or p.grad.abs().sum() == 0
                   for p in getattr(model, name).parameters()), name
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.backbone_t2.parameters())


def test_concat_attention_maps_are_trained_by_each_branch_change_loss():
    # The maps must shape the output, or the teacher's maps (detached in the transfer loss) would
    # never learn and the student would be pulled toward noise.
    model = tiny_gold(task_weighting=dict(type='UncertaintyTaskWeighting', mode='fixed',
                                          fixed_weights=(1.0, 0.0, 0.0)),
                      attention=dict(in_channels=64, reduction=4, mode='concat'))
    data = model.data_preprocessor(batch(), True)
    model.loss(data['inputs'], data['data_samples'])['loss_cd'].backward()
    for branch in ('student_attention', 'teacher_attention'):
        for name, p in getattr(model, branch).named_parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0, f'{branch}.{name}'


def test_prediction_uses_only_a_and_b():
    torch.manual_seed(0)
    model = tiny_gold().eval()
    data_ab = model.data_preprocessor(batch(channels=4), False)
    assert data_ab['inputs'].shape[1] == 4
    with torch.no_grad():
        pred = model.predict(data_ab['inputs'], data_ab['data_samples'])
        # Scrambling every teacher weight must not change the student's prediction.
        for name in ('teacher_backbone_t2', 'teacher_decode_head', 'teacher_attention'):
            for p in getattr(model, name).parameters():
                p.normal_()
        pred2 = model.predict(data_ab['inputs'], copy.deepcopy(data_ab['data_samples']))
    for a, b in zip(pred, pred2):
        assert a.pred_sem_seg.data.shape == (1, 64, 64)
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)


def test_training_without_optical_t2_is_a_clear_error():
    model = tiny_gold()
    data = model.data_preprocessor(batch(channels=4), True)
    with pytest.raises(ValueError, match='optical t2'):
        model.loss(data['inputs'], data['data_samples'])


def test_wrong_channel_count_is_a_clear_error():
    model = tiny_gold()
    with pytest.raises(ValueError, match='stacked bands'):
        model.data_preprocessor(batch(channels=5), False)


def test_without_attention_transfer_needs_two_tasks():
    model = tiny_gold(with_attention_transfer=False,
                      task_weighting=dict(type='UncertaintyTaskWeighting', tasks=('cd', 'distill'),
                                          fixed_weights=(0.6, 0.4)))
    data = model.data_preprocessor(batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert 'loss_attention' not in losses
    with pytest.raises(ValueError, match='task_weighting.tasks'):
        tiny_gold(with_attention_transfer=False)


def test_region_aware_loss_with_homoscedastic_weights_trains():
    model = tiny_gold(distill_loss=dict(type='GOLDDistillLoss', feature_loss_type='region'),
                      task_weighting=dict(type='UncertaintyTaskWeighting', mode='homoscedastic'))
    data = model.data_preprocessor(batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert torch.isfinite(total) and model.task_weighting.log_vars.grad.abs().sum() > 0
