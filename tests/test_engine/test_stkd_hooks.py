"""EMATeacherHook math and StudentViewMetricHook's separate student scores."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from cdkd.engine.hooks import EMATeacherHook, StudentViewMetricHook
from cdkd.registry import MODELS
from tests.test_models.test_distillers.test_stkd_distiller import make_batch
from tests.test_models.tiny import tiny_detector


def distiller(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='STKDDistiller', detector=tiny_detector(), **kwargs))


def test_ema_teacher_hook_math():
    model = distiller(ema_teacher=True)
    runner = SimpleNamespace(model=model, iter=0)
    with torch.no_grad():
        for p in model.detector.parameters():
            p.fill_(1.0)
        for p in model.ema_teacher.parameters():
            p.fill_(3.0)
    model.detector.backbone.stem[1].running_mean.fill_(2.0)
    model.detector.backbone.stem[1].num_batches_tracked.fill_(7)
    hook = EMATeacherHook(momentum=0.25, interval=2)
    hook.after_train_iter(runner, 0)  # iteration 1 of interval 2: no update
    assert all(torch.all(p == 3.0) for p in model.ema_teacher.parameters())
    runner.iter = 1
    hook.after_train_iter(runner, 1)  # 0.75 * 3 + 0.25 * 1
    assert all(torch.allclose(p, torch.full_like(p, 2.5)) for p in model.ema_teacher.parameters())
    bn = model.ema_teacher.backbone.stem[1]
    assert torch.allclose(bn.running_mean, torch.full_like(bn.running_mean, 0.5))  # 0.75*0+0.25*2
    assert bn.num_batches_tracked.item() == 7
    runner.iter = 0
    hook.before_train(runner)  # start of training: teacher = detector
    for a, b in zip(model.detector.state_dict().values(), model.ema_teacher.state_dict().values()):
        assert torch.equal(a, b)
    with pytest.raises(AttributeError, match='ema_teacher'):
        hook.before_train(SimpleNamespace(model=distiller(), iter=0))


def test_student_view_metric_hook_adds_student_scores():
    model = distiller().eval()
    hub = MessageHub.get_instance('stkd_hook_test')
    runner = SimpleNamespace(model=model, message_hub=hub,
                             val_dataloader=SimpleNamespace(dataset=[0, 1, 2, 3]))
    hook = StudentViewMetricHook()
    hook.before_val_epoch(runner)
    for seed in range(2):
        batch = make_batch(seed=seed)
        model.val_step(batch)  # the loop's own (teacher, clean) pass writes predictions first
        hook.after_val_iter(runner, seed, batch, None)
    metrics = {'F1': 0.5}
    hook.after_val_epoch(runner, metrics)
    assert metrics['F1'] == 0.5 and 0 <= metrics['student/F1'] <= 1
    assert hub.get_scalar('val/student/IoU').current() == metrics['student/IoU']

    quiet = StudentViewMetricHook()  # clean pipelines (tools/test.py): nothing added
    quiet.before_val_epoch(runner)
    quiet.after_val_iter(runner, 0, make_batch(student=None), None)
    metrics = {'F1': 0.5}
    quiet.after_val_epoch(runner, metrics)
    assert metrics == {'F1': 0.5}
