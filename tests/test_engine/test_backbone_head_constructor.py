import pytest
from torch import nn

from cdkd.registry import OPTIM_WRAPPER_CONSTRUCTORS


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
        self.classifier = nn.Conv2d(4, 1, 1)


def build(paramwise_cfg=None):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='BackboneHeadParamGroupsConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper', optimizer=dict(
            type='SGD', lr=0.001, momentum=0.9, nesterov=True, weight_decay=1e-4)),
        paramwise_cfg=paramwise_cfg))


def test_four_groups_with_kdmsi_multipliers():
    net = Net()
    groups = {g['group_name']: g for g in build()(net).optimizer.param_groups}
    expect = dict(backbone_weight=(0.001, 1e-4, 2), backbone_bias=(0.002, 0.0, 2),
                  new_weight=(0.01, 1e-4, 1), new_bias=(0.02, 0.0, 1))
    for name, (lr, wd, count) in expect.items():
        assert groups[name]['lr'] == pytest.approx(lr)
        assert groups[name]['weight_decay'] == pytest.approx(wd)
        assert len(groups[name]['params']) == count
    assert groups['new_bias']['params'][0] is net.classifier.bias
    assert groups['new_weight']['nesterov'] is True


def test_unknown_key_is_an_error():
    with pytest.raises(KeyError, match='backbone_lr_mult'):
        build(dict(backbone_lr_mult=1.0))


def official_poly_sgd(groups, lr, weight_decay, max_step, steps, loss_fn):
    """An independent re-creation of the official PolyOptimizer (tools/ai/optim_utils.py):
    ``torch.optim.SGD(params, lr, weight_decay, nesterov=True)`` (the weight decay in the
    positional momentum slot), lr x (1 - step / max_step) ** 0.9 before every step."""
    import torch
    opt = torch.optim.SGD(groups, lr, weight_decay, nesterov=True)
    initial = [g['lr'] for g in opt.param_groups]
    for step in range(steps):
        for g, lr0 in zip(opt.param_groups, initial):
            g['lr'] = lr0 * (1 - step / max_step) ** 0.9
        opt.zero_grad()
        loss_fn().backward()
        opt.step()


@pytest.mark.parametrize('schedule,momentum,wd', [('schedule_kdmsi_20e.py', 1e-4, 1e-4),
                                                  ('schedule_kdmsi_stage2_50e.py', 4e-5, 4e-5)])
def test_shipped_schedules_equal_the_official_optimizer_step_for_step(schedule, momentum, wd):
    """The configs' SGD (+ four groups + PolyLR) = the official PolyOptimizer = SGD(momentum=wd)."""
    import copy
    import os.path as osp

    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    from cdkd.engine import PolyLRToEnd
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(repo, 'configs/_base_/schedules', schedule))
    assert cfg.optim_wrapper.optimizer.momentum == momentum and cfg.optim_wrapper.optimizer.nesterov
    torch.manual_seed(0)
    net = Net()
    official = copy.deepcopy(net)
    x = torch.randn(2, 3, 8, 8)
    loss = lambda m: (m.classifier(m.backbone(x)) ** 2).mean()  # noqa: E731
    epochs, epoch_length = 2, 3
    wrapper = build_optim_wrapper(net, copy.deepcopy(cfg.optim_wrapper))
    assert cfg.param_scheduler[0].type == 'PolyLRToEnd'
    sched = PolyLRToEnd.build_iter_from_epoch(wrapper, eta_min=0.0, power=0.9, begin=0, end=epochs,
                                         epoch_length=epoch_length)
    for _ in range(epochs * epoch_length):
        wrapper.update_params(loss(net))
        sched.step()
    lr = cfg.optim_wrapper.optimizer.lr
    bb = lambda m, k: [p for n, p in m.backbone.named_parameters() if n.endswith(k)]  # noqa
    new = lambda m, k: [p for n, p in m.classifier.named_parameters() if n.endswith(k)]  # noqa
    groups = [dict(params=bb(official, 'weight'), lr=lr, weight_decay=wd),
              dict(params=bb(official, 'bias'), lr=2 * lr, weight_decay=0),
              dict(params=new(official, 'weight'), lr=10 * lr, weight_decay=wd),
              dict(params=new(official, 'bias'), lr=20 * lr, weight_decay=0)]
    official_poly_sgd(groups, lr, wd, epochs * epoch_length, epochs * epoch_length,
                      lambda: loss(official))
    for (name, p), q in zip(net.named_parameters(), official.parameters()):
        torch.testing.assert_close(p, q, atol=1e-7, rtol=0, msg=name)
    # and it is not momentum 0.9: the intended optimiser ends elsewhere
    intended = copy.deepcopy(cfg.optim_wrapper)
    intended.optimizer.momentum = 0.9
    net09 = copy.deepcopy(official)
    torch.manual_seed(0)
    net09.load_state_dict(Net().state_dict())
    w09 = build_optim_wrapper(net09, intended)
    for _ in range(epochs * epoch_length):
        w09.update_params(loss(net09))
    assert not torch.allclose(net09.classifier.weight, net.classifier.weight, atol=1e-7)


def test_poly_lr_to_end_has_the_official_values_and_mmengine_polylr_does_not():
    import torch
    from mmengine.optim import OptimWrapper, PolyLR

    from cdkd.engine import PolyLRToEnd
    for cls, official in ((PolyLRToEnd, True), (PolyLR, False)):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        sched = cls.build_iter_from_epoch(OptimWrapper(opt), eta_min=0.0, power=0.9, begin=0,
                                          end=2, epoch_length=3)
        lrs = []
        for _ in range(6):
            lrs.append(opt.param_groups[0]['lr'])
            opt.step()
            sched.step()
        expected = [(1 - t / 6) ** 0.9 for t in range(6)]
        assert (lrs == pytest.approx(expected, abs=1e-9)) is official
