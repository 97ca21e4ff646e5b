"""GOLDChangeDetector: the official TripleEUNet layout with tiny widths (from the shipped base
config, so what is tested is what is shipped)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine import Config
from mmengine.logging import MessageHub
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_backbone

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs/_base_/models/gold_r18.py')
FIXED = dict(type='UncertaintyTaskWeighting', mode='fixed', fixed_weights=(1.0, 1.0, 1.0))


def fixed_groups():
    cfg = Config.fromfile(BASE).model.group_weighting.to_dict()
    return {k: dict(v, mode='fixed') for k, v in cfg.items()}


def tiny_gold_cfg(**overrides):
    cfg = copy.deepcopy(Config.fromfile(BASE).model.to_dict())
    neck = dict(cfg['neck'], in_channels=[8, 16, 32, 64], channels=16)
    head = dict(cfg['decode_head'], in_channels=32, channels=16)
    cfg.update(backbone=tiny_backbone(3), backbone_t2=tiny_backbone(1), neck=neck, neck_t2=neck,
               cross_attention=dict(cfg['cross_attention'], in_channels=16, reduction=4),
               attention=dict(cfg['attention'], in_channels=32, channels=16), decode_head=head,
               teacher_decode_head=dict(head, dropout_ratio=0.05), iters_per_epoch=2,
               task_weighting=dict(cfg['task_weighting'], warmup_epochs=1),
               group_weighting={k: dict(v, warmup_epochs=1)
                                for k, v in cfg['group_weighting'].items()},
               distill_warmup_epochs=1)
    cfg['data_preprocessor'].update(mean=[128.0] * 7, std=[64.0] * 7, temporal_bands=(3, 1, 3))
    cfg.update(overrides)
    return cfg


def tiny_gold(**overrides):
    return MODELS.build(tiny_gold_cfg(**overrides))


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


@pytest.fixture
def past_warmup():
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 100)
    yield
    hub.update_info('iter', 0)


def loss_of(model, **kw):
    data = model.data_preprocessor(batch(**kw), True)
    return model.loss(data['inputs'], data['data_samples'])


def test_official_layout_shares_the_optical_encoder_and_trains_every_part(past_warmup):
    torch.manual_seed(0)
    model = tiny_gold()
    assert model.teacher_backbone_t2 is None  # optical t2 through `backbone` (official HEAD)
    losses = loss_of(model)
    assert {'loss_cd', 'loss_distill', 'loss_attention', 'student_ce', 'student_dice',
            'teacher_ce', 'teacher_dice', 'kd_feat', 'kd_out', 'kd_att_diff'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name in ('backbone', 'backbone_t2', 'neck', 'neck_t2', 'cross_attention',
                 'student_attention', 'teacher_attention', 'decode_head', 'teacher_decode_head'):
        grads = [p.grad for p in getattr(model, name).parameters()]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), name
    # equal log-variances put every task on its bound (official clamp), so they get no gradient
    assert losses['weight_cd'] / (losses['weight_cd'] + losses['weight_distill'] +
                                  losses['weight_attention']) < 0.6  # clamp, then renormalise
    assert model.task_weighting.log_vars.grad is None or \
        model.task_weighting.log_vars.grad.abs().sum() == 0
    separate = tiny_gold(teacher_backbone_t2=tiny_backbone(3))
    assert separate.teacher_backbone_t2 is not None


def test_teacher_head_starts_as_a_copy_of_the_student_head():
    model = tiny_gold()
    for init in (False, True):
        if init:
            model.init_weights()
        s, t = model.decode_head.state_dict(), model.teacher_decode_head.state_dict()
        assert s.keys() == t.keys() and all(torch.equal(s[k], t[k]) for k in s)
    assert model.teacher_decode_head.dropout.p == 0.05 and model.decode_head.dropout.p == 0.1
    independent = tiny_gold(teacher_head_init='independent')
    assert not torch.equal(independent.decode_head.conv_seg.weight,
                           independent.teacher_decode_head.conv_seg.weight)
    with pytest.raises(ValueError, match='teacher_head_init'):
        tiny_gold(teacher_head_init='mean')


def test_change_task_is_student_plus_ramped_teacher_loss():
    model = tiny_gold(task_weighting=FIXED, distill_warmup_epochs=20, iters_per_epoch=10,
                      group_weighting=fixed_groups())
    hub = MessageHub.get_current_instance()
    try:
        for it, ramp in ((0, 0.0), (100, 0.5), (200, 1.0), (400, 1.0)):  # e = 0, 10, 20, 40
            hub.update_info('iter', it)
            losses = loss_of(model)
            student = losses['student_ce'] + losses['student_dice']
            teacher = losses['teacher_ce'] + losses['teacher_dice']
            assert losses['kd_ramp'].item() == pytest.approx(ramp)
            assert torch.allclose(losses['loss_cd'], student + ramp * 0.4 * teacher, atol=1e-6)
            assert torch.allclose(losses['loss_distill'],
                                  ramp * (0.7 * losses['kd_feat'] + 0.3 * losses['kd_out']),
                                  atol=1e-6)
    finally:
        hub.update_info('iter', 0)


def test_epoch_based_loops_use_the_loop_epoch():
    model = tiny_gold(iters_per_epoch=None)
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 7)
    try:
        assert model.current_epoch() == 7.0
    finally:
        hub.update_info('epoch', 0)


def test_teacher_sees_the_optical_t1_map_detached():
    for detach in (True, False):
        model = tiny_gold(teacher_detach_t1=detach)
        data = model.data_preprocessor(batch(), True)
        img_a, _, img_c = model.split_temporal(data['inputs'])
        date1 = model.neck(model.backbone(img_a)).detach().requires_grad_()
        logits = model._teacher_logits(date1, img_c)[0]
        logits.sum().backward()
        assert (date1.grad is None) == detach


def test_prediction_uses_only_a_and_b():
    model = tiny_gold().eval()
    raw = batch()
    full = model.data_preprocessor(raw, False)
    pair = model.data_preprocessor(dict(raw, inputs=[x[:4] for x in raw['inputs']]), False)
    assert torch.equal(full['inputs'][:, :4], pair['inputs'])
    with torch.no_grad():
        out_full = model(full['inputs'], mode='tensor')
        out_pair = model(pair['inputs'], mode='tensor')
        teacher = model.teacher_forward(full['inputs'])
    assert torch.equal(out_full, out_pair) and out_pair.shape[1] == 2
    assert teacher.shape == out_pair.shape
    with pytest.raises(ValueError, match='optical t2 image C'):
        model.teacher_forward(pair['inputs'])


def test_clear_errors():
    model = tiny_gold()
    data = model.data_preprocessor(batch(channels=4), True)
    with pytest.raises(ValueError, match='with_optical_t2=True'):
        model.loss(data['inputs'], data['data_samples'])
    with pytest.raises(ValueError, match='GOLD expects 4'):
        model.split_temporal(torch.zeros(1, 5, 8, 8))
    with pytest.raises(ValueError, match='task_weighting.tasks'):
        tiny_gold(with_attention_transfer=False)
    with pytest.raises(ValueError, match='saliency module'):
        tiny_gold(distill_loss=dict(type='GOLDDistillLoss', attention_maps='learned'))


def test_baselines_student_alone_and_change_losses_only():
    single = dict(type='UncertaintyTaskWeighting', mode='fixed', tasks=('cd', ),
                  fixed_weights=(1.0, ))
    student = tiny_gold(with_teacher=False, task_weighting=single, group_weighting=None)
    assert not hasattr(student, 'teacher_decode_head') and student.distill_loss is None
    losses = loss_of(student, channels=4)
    assert set(k for k in losses if k.startswith('loss')) == {'loss_cd'}
    assert torch.allclose(losses['loss_cd'], losses['student_ce'] + losses['student_dice'])
    with pytest.raises(ValueError, match='no teacher'):
        student.teacher_forward(torch.zeros(1, 7, 32, 32))

    with pytest.raises(ValueError, match='group_weighting for'):
        tiny_gold(with_teacher=False, task_weighting=single)
    two = tiny_gold(with_distillation=False, task_weighting=single, distill_warmup_epochs=0,
                    group_weighting=dict(cd=fixed_groups()['cd']))
    losses = loss_of(two)
    assert set(k for k in losses if k.startswith('loss')) == {'loss_cd'}
    assert not any(k.startswith('kd_') and k != 'kd_ramp' for k in losses)
    assert torch.allclose(losses['loss_cd'], losses['student_ce'] + losses['student_dice'] +
                          0.4 * (losses['teacher_ce'] + losses['teacher_dice']))


def test_learned_cbam_maps_option_trains(past_warmup):
    model = tiny_gold(saliency=dict(type='DifferenceAttention', in_channels=32, reduction=4,
                                    mode='gate'),
                      distill_loss=dict(type='GOLDDistillLoss', attention_maps='learned',
                                        difference_map='pseudocode', saliency_normalize='minmax'))
    losses = loss_of(model)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.student_saliency.parameters())


def test_learned_group_weights_inside_the_tasks():
    """Official: student/teacher, feature/output and diff/channel/spatial weights are learned,
    starting at 1.0/0.4, 0.7/0.3, 0.5/0.3/0.2 (mixed in over the warm-up), without bounds."""
    model = tiny_gold(task_weighting=FIXED, iters_per_epoch=10)
    hub = MessageHub.get_current_instance()
    try:
        hub.update_info('iter', 0)  # epoch 0: the initial weights
        losses = loss_of(model)
        assert losses['weight_cd_teacher'].item() == pytest.approx(0.4)
        assert losses['weight_distill_feat'].item() == pytest.approx(0.7)
        assert losses['weight_attention_spatial'].item() == pytest.approx(0.2)
        hub.update_info('iter', 100)  # past the warm-up: p / sum(p) x total, equal at s = 0
        losses = loss_of(model)
        assert losses['weight_cd_student'].item() == pytest.approx(0.7)
        assert losses['weight_cd_teacher'].item() == pytest.approx(0.7)
        student = losses['student_ce'] + losses['student_dice']
        teacher = losses['teacher_ce'] + losses['teacher_dice']
        assert torch.allclose(losses['loss_cd'], 0.7 * student + 0.7 * teacher, atol=1e-5)
        assert torch.allclose(losses['loss_distill'],
                              0.5 * losses['kd_feat'] + 0.5 * losses['kd_out'], atol=1e-6)
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        for group in model.group_weighting.values():
            assert group.log_vars.grad is not None and group.log_vars.grad.abs().sum() > 0
    finally:
        hub.update_info('iter', 0)
    with pytest.raises(ValueError, match='tasks must be'):
        tiny_gold(group_weighting=dict(cd=dict(type='UncertaintyTaskWeighting',
                                               tasks=('a', 'b'), fixed_weights=(1, 1),
                                               main_task='a')))
