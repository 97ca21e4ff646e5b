"""TeacherStudentDistiller: frozen teacher(s) from config + checkpoint, distillation terms, cross
architecture/head type, multi-teacher weights per sample, inference = the plain student."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper

from cdkd.models.distillers import TeacherStudentDistiller
from cdkd.registry import MODELS

from ..tiny import tiny_detector
from .test_stkd_distiller import make_batch

LOGITS = dict(type='ModuleOutputs', source='decode_head.conv_seg')


def save_teacher(tmp_path, name='teacher', seed=1, **kwargs):
    """A tiny 'trained' teacher: its config file and a checkpoint with non-default BN stats."""
    torch.manual_seed(seed)
    cfg = tiny_detector(**kwargs)
    teacher = MODELS.build(cfg)
    for m in teacher.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    ckpt = tmp_path / f'{name}.pth'
    torch.save(dict(state_dict=teacher.state_dict(), meta={}), ckpt)
    config = tmp_path / f'{name}_config.py'
    config.write_text(f'model = {cfg!r}\n')
    return dict(cfg_path=str(config), checkpoint=str(ckpt)), teacher


def kd_distiller(single_logit_teacher=False):
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=LOGITS),
        teacher_recorders=dict(logits=LOGITS),
        connectors=dict(t_logits=dict(type='ChangeLogitConnector', out_channels=2)),
        distill_losses=dict(loss_kd=dict(type='PixelKLDivLoss', temperature=2.0),
                            loss_cwd=dict(type='ChannelWiseDivergence', tau=4.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(student=dict(from_student=True, recorder='logits'),
                         teacher=dict(from_student=False, recorder='logits',
                                      connector='t_logits')),
            loss_cwd=dict(preds_S=dict(from_student=True, recorder='logits'),
                          preds_T=dict(from_student=False, recorder='logits',
                                       connector='t_logits'))))


def build(teacher, **kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('distiller', kd_distiller())
    return MODELS.build(dict(type='TeacherStudentDistiller', architecture=tiny_detector(),
                             teacher=teacher, **kwargs))


def total(losses):
    return sum(v for k, v in losses.items() if 'loss' in k)


@pytest.mark.parametrize('single_logit_teacher', [False, True])
def test_teacher_is_loaded_frozen_and_keeps_bn_stats(tmp_path, single_logit_teacher):
    spec, reference = save_teacher(tmp_path, single_logit=single_logit_teacher)
    model = build(spec)
    model.init_weights()  # must not re-initialise the teacher
    teacher = model.teachers[0]
    for k, v in reference.state_dict().items():
        assert torch.equal(teacher.state_dict()[k], v), k
    model.train()
    assert model.architecture.training and not teacher.training
    assert not any(m.training for m in teacher.modules())
    before = copy.deepcopy(teacher.state_dict())
    log = model.train_step(make_batch(), OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    assert {'loss', 'student.decode.loss_ce', 'distill.loss_kd', 'distill.loss_cwd'} <= set(log)
    assert log['distill.loss_kd'] > 0 and log['distill.loss_cwd'] > 0
    assert all(p.grad is None and not p.requires_grad for p in teacher.parameters())
    for k, v in teacher.state_dict().items():  # weights and BN running stats untouched
        assert torch.equal(v, before[k]), k
    # the student did learn
    assert not torch.equal(model.architecture.decode_head.conv_seg.weight,
                           MODELS.build(tiny_detector()).decode_head.conv_seg.weight)


def test_distillation_is_zero_against_an_identical_teacher(tmp_path):
    spec, teacher = save_teacher(tmp_path, seed=0)
    torch.manual_seed(0)
    model = build(spec)
    model.architecture.load_state_dict(teacher.state_dict())
    model.eval()  # student BN in eval too, so both compute the same function
    data = model.data_preprocessor(make_batch(), True)
    losses = model(**data, mode='loss')
    assert losses['distill.loss_kd'].item() == pytest.approx(0.0, abs=1e-6)
    assert losses['distill.loss_cwd'].item() == pytest.approx(0.0, abs=1e-6)


def test_teacher_normalisation_and_errors(tmp_path):
    cfg = tiny_detector()
    cfg['data_preprocessor'] = dict(cfg['data_preprocessor'], mean=[100.0] * 6, std=[50.0] * 6)
    spec = dict(model=cfg, checkpoint=None)
    model = build(spec)
    x = torch.randn(1, 6, 8, 8)
    raw = x * 64.0 + 128.0  # the student's normalisation (tiny_detector)
    assert torch.allclose(model.teacher_inputs(0, x), (raw - 100.0) / 50.0, atol=1e-5)
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        build(dict(model=cfg, checkpoint=str(tmp_path / 'nowhere.pth')))
    with pytest.raises(KeyError, match='checkpoint='):
        build(dict(model=cfg))
    # the student from its config file (mmrazor's architecture=dict(cfg_path=...))
    teacher_spec, _ = save_teacher(tmp_path, single_logit=True)
    model = MODELS.build(dict(type='TeacherStudentDistiller',
                              architecture=dict(cfg_path=teacher_spec['cfg_path']),
                              teacher=teacher_spec, distiller=kd_distiller()))
    assert model.architecture.decode_head.out_channels == 1
    with pytest.raises(FileNotFoundError, match='nowhere.py'):
        build(dict(cfg_path=str(tmp_path / 'nowhere.py'), checkpoint=None))
    with pytest.raises(ValueError, match='temporal_bands'):
        build(dict(model=tiny_detector(temporal_bands=(3, 1),
                                        backbone_t2=dict(tiny_detector()['backbone'],
                                                         in_channels=1)),
                   checkpoint=None))
    bad = kd_distiller()
    bad['loss_forward_mappings']['loss_kd']['teacher']['recorder'] = 'feats'
    with pytest.raises(KeyError, match="no teacher recorder 'feats'"):
        build(spec, distiller=bad)


def test_multi_teacher_weights_per_sample(tmp_path):
    specs = [save_teacher(tmp_path, f't{i}', seed=10 + i)[0] for i in range(3)]
    model = build(specs, teacher_weighting=dict(type='ChangeAreaTeacherAssigner',
                                                thresholds=(0.05, 0.2)))
    batch = make_batch(n=3)
    # change areas 0 %, 10 %, 50 %: one sample for each teacher (small, medium, large)
    for sample, ratio in zip(batch['data_samples'], (0.0, 0.1, 0.5)):
        gt = torch.zeros(1, 32, 32, dtype=torch.long)
        gt.view(-1)[:int(ratio * 32 * 32)] = 1
        sample.gt_sem_seg.data = gt
    data = model.data_preprocessor(batch, True)
    weights = model.teacher_weights(data['data_samples'])
    assert torch.equal(weights, torch.eye(3))
    model.train()
    records = model.teacher_records(data['inputs'], data['data_samples'])['logits']
    for i, teacher in enumerate(model.teachers):
        with torch.no_grad():
            own = teacher.decode_head(teacher.extract_feat(data['inputs'][i:i + 1]))
        assert torch.allclose(records[i:i + 1], own, atol=1e-6)
    # no weighting: the mean of the teachers
    model = build(specs)
    mean = model.teacher_records(data['inputs'], data['data_samples'])['logits']
    with torch.no_grad():
        ref = sum(t.decode_head(t.extract_feat(data['inputs'])) for t in model.teachers) / 3
    assert torch.allclose(mean, ref, atol=1e-6)
    model.teacher_weighting = lambda samples: torch.tensor([[1.0, 0, 0], [0, 0, 0], [0, 0, 1.0]])
    with pytest.raises(ValueError, match='no teacher'):
        model.teacher_weights(data['data_samples'])
    with pytest.raises(ValueError, match='assigns 3 teachers, 2'):
        build(specs[:2], teacher_weighting=dict(type='ChangeAreaTeacherAssigner'))


@pytest.mark.parametrize('single_logit', [False, True])
def test_inference_equals_plain_student_with_converted_weights(tmp_path, single_logit):
    spec, _ = save_teacher(tmp_path, single_logit=not single_logit)
    torch.manual_seed(0)
    distiller = kd_distiller()
    distiller['connectors']['t_logits']['out_channels'] = 1 if single_logit else 2
    model = MODELS.build(dict(type='TeacherStudentDistiller',
                              architecture=tiny_detector(single_logit=single_logit),
                              teacher=spec, distiller=distiller))
    model.train_step(make_batch(), OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    model.eval()
    plain = MODELS.build(tiny_detector(single_logit=single_logit))
    plain.load_state_dict(TeacherStudentDistiller.student_state_dict(model.state_dict()))
    plain.eval()
    with torch.no_grad():
        ours, ref = model.test_step(make_batch(seed=1)), plain.test_step(make_batch(seed=1))
    for a, b in zip(ours, ref):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    assert model.export_module() is model.architecture


def test_plain_detector_refuses_a_distiller_checkpoint_with_the_converter_named(tmp_path):
    from cdkd.apis.checkpoint import check_state_dict
    spec, _ = save_teacher(tmp_path)
    model = build(spec)
    plain = MODELS.build(tiny_detector())
    with pytest.raises(ValueError, match='distiller_to_detector.py'):
        check_state_dict(plain, model.state_dict(), 'distill.pth')
    check_state_dict(plain, TeacherStudentDistiller.student_state_dict(model.state_dict()),
                     'student.pth')
