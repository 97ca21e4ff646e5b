"""TinyCD: channel-pair mixing, masks per level, truncated MobileNetV2, single sigmoid output."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from cdkd.models.backbones import TruncatedMobileNetV2
from cdkd.models.layers.tinycd_blocks import MixingBlock
from cdkd.registry import MODELS

from .test_distillers.test_stkd_distiller import make_batch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/_base_/models/tinycd_mnv2.py')


def test_mixing_block_mixes_each_channel_pair_only():
    torch.manual_seed(0)
    block = MixingBlock(4).eval()
    x, y = torch.randn(1, 4, 6, 6), torch.randn(1, 4, 6, 6)
    base = block(x, y)
    x2 = x.clone()
    x2[:, 2] += 1.0  # date-1 channel 2 feeds output channel 2 only (group 2 = (x_2, y_2))
    changed = (block(x2, y) - base).abs().flatten(2).amax(2)[0]
    assert changed[2] > 1e-4 and torch.all(changed[[0, 1, 3]] == 0)


def test_truncated_mobilenet_keeps_first_layers():
    net = TruncatedMobileNetV2(num_layers=3)
    assert net.layers == ['layer1', 'layer2', 'layer3'] and not hasattr(net, 'layer4')
    outs = net(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape[1:]) for o in outs] == [(16, 32, 32), (24, 16, 16), (32, 8, 8)]
    with pytest.raises(ValueError, match='exceed'):
        TruncatedMobileNetV2(num_layers=2, out_indices=(0, 1, 2))


def test_tinycd_trains_and_predicts_one_sigmoid_map():
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    feats = model.extract_feat(torch.randn(2, 6, 64, 64))
    assert [tuple(f.shape[1:]) for f in feats] == [(1, 64, 64), (1, 32, 32), (1, 16, 16),
                                                   (32, 8, 8)]
    log = model.train_step(make_batch(n=2, size=64, student=None),
                           OptimWrapper(torch.optim.AdamW(model.parameters(), 1e-3)))
    assert torch.isfinite(log['loss']) and 'decode.loss_ce' in log
    model.eval()
    with torch.no_grad():
        out = model.test_step(make_batch(n=1, size=64, seed=1, student=None))[0]
        logits = model(model.data_preprocessor(make_batch(n=1, size=64, seed=1, student=None))
                       ['inputs'], mode='tensor')
    assert logits.shape == (1, 1, 64, 64)  # full-resolution single logit
    prob = out.seg_logits.data
    assert torch.allclose(prob, torch.sigmoid(logits[0]), atol=1e-6)  # sigmoid applied once
    assert torch.equal(out.pred_sem_seg.data, (prob > 0.5).long())


def test_head_checks_its_inputs():
    with pytest.raises(ValueError, match='one-channel masks'):
        MODELS.build(dict(type='TinyCDHead', in_channels=[4, 1, 1, 32], num_classes=2,
                          out_channels=1))
