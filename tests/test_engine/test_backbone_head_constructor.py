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
