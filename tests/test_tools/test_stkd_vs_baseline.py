"""tools/experiments/stkd_vs_baseline.py: equal arms for SEIFNet vs official STKD, table + JSON."""
import argparse
import importlib.util
import json
import os.path as osp

import pytest

from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_script():
    path = osp.join(REPO, 'tools/experiments/stkd_vs_baseline.py')
    spec = importlib.util.spec_from_file_location('stkd_vs_baseline', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def args(**kw):
    base = dict(datasets=['levir'], methods=['seifnet', 'stkd_official'], seeds=[0], iters=20,
                crop=64, batch=2, cat_max_ratio=0.9, lr=1e-3, shared_data='', out='')
    base.update(kw)
    return argparse.Namespace(**base)


def test_seifnet_arms_share_network_data_and_schedule(tmp_path):
    script = load_script()
    cfgs = {m: script.build_cfg(m, str(tmp_path), 0, args(), str(tmp_path / m))
            for m in ('seifnet', 'stkd_official')}
    base, stkd = cfgs['seifnet'], cfgs['stkd_official']
    assert stkd.model.type == 'STKDDistiller' and stkd.model.student_augment is not None
    assert base.model == stkd.model.detector
    assert base.model.decode_head.in_channels == [16, 32, 64, 128]
    for key in ('train_dataloader', 'param_scheduler', 'train_cfg', 'optim_wrapper'):
        assert base[key] == stkd[key], key
    crop = [t for t in base.train_dataloader.dataset.pipeline
            if t['type'] == 'MultiImgRandomCrop']
    assert crop == [dict(type='MultiImgRandomCrop', crop_size=(64, 64), cat_max_ratio=0.9)]
    n = sum(p.numel() for p in MODELS.build(base.model).parameters())
    assert n == sum(p.numel() for p in MODELS.build(stkd.model).parameters())


def test_table_and_json(tmp_path):
    script = load_script()
    out = str(tmp_path / 'table.md')
    runs = [dict(F1=0.5, IoU=0.33, Precision=0.6, Recall=0.4, seed=0, train_loss_last50=0.2)]
    script.write_table(out, {('levir', 'seifnet'): runs}, args(out=out), 1.5)
    text = open(out).read()
    assert '| levir | seifnet | 50.00 ± 0.00 | 33.00 ± 0.00 | 60.00 ± 0.00 | 40.00 ± 0.00 |' \
        in text
    raw = json.load(open(tmp_path / 'table.json'))
    assert raw['runs'] == [dict(dataset='levir', method='seifnet', **runs[0])]


def test_per_seed_runs_merge_into_one_table(tmp_path, monkeypatch):
    script = load_script()
    for seed, f1 in ((1, 0.2), (0, 0.4)):
        runs = {('levir', m): [dict(F1=f1, IoU=0.1, Precision=0.3, Recall=0.2, seed=seed,
                                    train_loss_last50=0.1)] for m in ('seifnet', 'stkd_official')}
        out = str(tmp_path / f's{seed}.md')
        script.write_table(out, runs, args(out=out, seeds=[seed]), 2.0)
    merged = str(tmp_path / 'all.md')
    monkeypatch.setattr(script.sys, 'argv', ['x', '--from-json', 's0.json', 's1.json'])
    script.merge_runs([str(tmp_path / 's1.json'), str(tmp_path / 's0.json')], merged)
    text = open(merged).read()
    assert '| levir | seifnet | 30.00 ± 10.00 |' in text and '[40.00, 20.00]' in text
    raw = json.load(open(tmp_path / 'all.json'))
    assert raw['args']['seeds'] == [0, 1] and len(raw['runs']) == 4 and raw['minutes'] == 4.0
    other = str(tmp_path / 'other.md')
    script.write_table(other, {}, args(out=other, iters=99), 1.0)
    with pytest.raises(ValueError, match='other settings'):
        script.merge_runs([str(tmp_path / 's0.json'), str(tmp_path / 'other.json')], merged)
