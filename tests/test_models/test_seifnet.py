"""SEIFNet (CoDEMNeck + SEIFNetHead on a Siamese ResNet-18): shapes, gradients, the official
parameter count, the official initialisation and per-date encoder calls."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEIFNET = osp.join(REPO, 'configs/_base_/models/seifnet_r18.py')
DIMS = (64, 128, 256, 512)


def conv(cin, cout, k, bias=True):
    return cin * cout * k * k + (cout if bias else 0)


def bn(c):
    return 2 * c


def official_parameter_counts():
    """Parameter counts read off the official definitions (STILKDNet models/networks.py,
    models/CBAM.py, models/resnet.py), module by module; returns (total, never used)."""
    resnet18 = 11_689_512  # torchvision's resnet18, fc included
    fc = 512 * 1000 + 1000
    codem = 0
    for c in DIMS:  # CoDEM2: Conv3 3x3 2C->2C, BN1, Conv1 1x1 2C->C, BN2, CoordAtt(C, C, 16)
        mip = max(8, c // 16)
        codem += conv(2 * c, 2 * c, 3) + bn(2 * c) + conv(2 * c, c, 1) + bn(c)
        codem += conv(c, mip, 1) + bn(mip) + 2 * conv(mip, c, 1)
    acff, acff_unused = 0, 0
    for low, high in zip(DIMS[:-1], DIMS[1:]):  # ACFF2: conv1 1x1 H->L, BN, ChannelAttention(L)
        acff += conv(high, low, 1) + bn(low) + 2 * conv(low, low // 16, 1, bias=False)
        acff_unused += conv(2 * low, low, 1)  # ACFF2.conv, defined but never called
    sam = 0
    for c in DIMS:  # SupervisedAttentionModule: CBAM (MLP without bias, 7x7 spatial), 3x3 conv, BN
        sam += 2 * conv(c, c // 16, 1, bias=False) + conv(2, 1, 7) + conv(c, c, 3) + bn(c)
    heads = conv(512, 64, 1) + conv(256, 64, 1) + conv(128, 64, 1) + conv(64, 2, 1)
    classifier = conv(32, 32, 3, bias=False) + bn(32) + conv(32, 2, 3)  # Backbone.classifier
    unused = fc + acff_unused + classifier
    return resnet18 + codem + acff + acff_unused + sam + heads + classifier, unused


def seifnet(**overrides):
    cfg = Config.fromfile(SEIFNET)
    model = cfg.model
    model.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(model)


def test_parameter_count_matches_the_official_network():
    total, unused = official_parameter_counts()
    assert (total, unused) == (28_600_760, 695_338)
    n = sum(p.numel() for p in seifnet().parameters())
    assert n == total - unused == 27_905_422


def test_forward_backward_shapes_and_every_parameter_trains():
    model = seifnet().train()
    x = torch.randn(2, 6, 64, 64)
    feats = model.extract_feat(x)
    assert [tuple(f.shape) for f in feats] == [(2, c, 64 // s, 64 // s)
                                               for c, s in zip(DIMS, (4, 8, 16, 32))]
    logits = model.decode_head(feats)
    assert logits.shape == (2, 2, 64, 64)  # full resolution, 2 channels
    logits.square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert not missing


def test_official_initialisation_overwrites_everything_with_normal_002():
    model = seifnet()
    model.init_weights()
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    w = torch.cat([m.weight.flatten() for m in convs])
    assert abs(w.std().item() - 0.02) < 1e-3 and abs(w.mean().item()) < 1e-3
    assert all(m.bias is None or not m.bias.any() for m in convs)
    g = torch.cat([m.weight for m in norms])
    assert abs(g.mean().item() - 1.0) < 2e-3 and abs(g.std().item() - 0.02) < 2e-3
    assert not torch.cat([m.bias for m in norms]).any()
    # the backbone too (no Kaiming, no zero-initialised residual BN)
    assert abs(model.backbone.conv1.weight.std().item() - 0.02) < 2e-3
    assert model.backbone.layer1[0].bn2.weight.min() > 0.9


@pytest.mark.parametrize('stack_dates', [True, False])
def test_stack_dates_controls_encoder_calls(stack_dates):
    model = seifnet(stack_dates=stack_dates).train()
    seen = []
    model.backbone.register_forward_hook(lambda m, i, o: seen.append(i[0].shape[0]))
    model.extract_feat(torch.randn(2, 6, 32, 32))
    assert seen == ([4] if stack_dates else [2, 2])


def test_per_date_batch_norm_changes_training_outputs():
    """Per-date BN statistics (the official two encoder calls) differ from stacked-batch ones."""
    x = torch.randn(2, 6, 32, 32)
    x[:, 3:] = x[:, 3:] * 3 + 2  # date 2 with other statistics
    out = {}
    for stack in (True, False):
        model = seifnet(stack_dates=stack).train()
        out[stack] = model.decode_head(model.extract_feat(x))
    assert not torch.allclose(out[True], out[False], atol=1e-4)


def test_head_rejects_a_projected_finest_level():
    with pytest.raises(ValueError, match='in_channels\\[0\\]'):
        MODELS.build(dict(type='SEIFNetHead', in_channels=[64, 128, 256, 512], channels=32,
                          num_classes=2))


def test_neck_checks_levels():
    neck = MODELS.build(dict(type='CoDEMNeck', in_channels=[16, 32]))
    with pytest.raises(ValueError, match='2 levels'):
        neck([torch.zeros(1, 16, 8, 8)], [torch.zeros(1, 16, 8, 8)])
