"""tools/experiments/stkd_vs_baseline.py: equal arms for SEIFNet vs official STKD, table + JSON."""
import argparse
import importlib.util
import json
import os
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


SEIFNET_ARMS = ('seifnet', 'stkd_official', 'stkd_argmax_target', 'stkd_image_space',
                'stkd_student_sup', 'stkd_image_space_argmax_target')


def test_seifnet_arms_share_network_data_and_schedule(tmp_path):
    script = load_script()
    cfgs = {m: script.build_cfg(m, str(tmp_path), 0, args(), str(tmp_path / m))
            for m in SEIFNET_ARMS}
    base = cfgs['seifnet']
    for method in SEIFNET_ARMS[1:]:
        stkd = cfgs[method]
        assert stkd.model.type == 'STKDDistiller' and stkd.model.student_augment is not None
        assert base.model == stkd.model.detector, method
        for key in ('train_dataloader', 'param_scheduler', 'train_cfg', 'optim_wrapper'):
            assert base[key] == stkd[key], (method, key)
    assert base.model.decode_head.in_channels == [16, 32, 64, 128]
    crop = [t for t in base.train_dataloader.dataset.pipeline
            if t['type'] == 'MultiImgRandomCrop']
    assert crop == [dict(type='MultiImgRandomCrop', crop_size=(64, 64), cat_max_ratio=0.9)]
    n = sum(p.numel() for p in MODELS.build(base.model).parameters())
    assert n == sum(p.numel() for p in MODELS.build(cfgs['stkd_official'].model).parameters())


def test_ablation_arms_change_one_thing_of_the_official_stkd(tmp_path):
    """Each cause-isolation arm is stkd_official with exactly the model settings it names."""
    script = load_script()
    cfgs = {m: script.build_cfg(m, str(tmp_path), 0, args(), str(tmp_path / 'w'))
            for m in SEIFNET_ARMS[1:]}
    official = cfgs['stkd_official'].model.to_dict()
    assert official['distill_loss']['type'] == 'HardTargetBCEDiceLoss'
    without = cfgs['stkd_student_sup'].model.to_dict()
    assert without.pop('distill_loss') is None
    assert without == {k: v for k, v in official.items() if k != 'distill_loss'}
    target = ('distill_loss', 'target_rule', 'argmax')
    view = ('student_augment', 'space', 'image')
    changed = dict(stkd_argmax_target=[target], stkd_image_space=[view],
                   stkd_image_space_argmax_target=[view, target])
    for method, changes in changed.items():
        model = cfgs[method].model.to_dict()
        reference = {k: dict(v) if isinstance(v, dict) else v for k, v in official.items()}
        for part, key, value in changes:
            assert model[part][key] == value and official[part].get(key) != value, method
            model[part].pop(key)
            reference[part].pop(key, None)
        assert model == reference, method
        assert MODELS.build(cfgs[method].model) is not None


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


@pytest.mark.parametrize('name, n_train, n_test, test_stems', [
    ('airchange', 56, 12, {'Szada_2', 'Tiszadob_5'}),
    ('egy_bcd', 7, 2, {'test_1', 'test_2'})])
def test_airchange_and_egy_bcd_splits(tmp_path, shared_data, name, n_train, n_test, test_stems):
    """The splits shared with the KD-MSI experiment: AirChange pairs Szada_2 / Tiszadob_5 held
    out and cut into non-overlapping 256 patches; EGY-BCD train_* + val_* vs test_*."""
    import cv2
    script = load_script()
    root = script.prepare_data(name, str(tmp_path), shared_data)
    stems = {}
    for split, n in (('train', n_train), ('test', n_test)):
        names = sorted(os.listdir(osp.join(root, split, 'label')))
        assert len(names) == n, split
        for sub in ('A', 'B'):
            assert sorted(os.listdir(osp.join(root, split, sub))) == names
        for sub in ('A', 'label'):
            img = cv2.imread(osp.join(root, split, sub, names[-1]), cv2.IMREAD_UNCHANGED)
            assert img.shape[:2] == (256, 256)
        # a patch name is <pair>_<y>_<x>.png, a linked crop keeps its own name
        stems[split] = {n[:-14] if name == 'airchange' else n[:-4] for n in names}
    assert stems['test'] == test_stems and not stems['train'] & test_stems
    if name == 'airchange':
        assert len(stems['train']) == 9
        label = cv2.imread(osp.join(shared_data, 'airchange/label/Szada_2.png'), 0)
        patch = cv2.imread(osp.join(root, 'test/label/Szada_2_0256_0512.png'), 0)
        assert (patch == label[256:512, 512:768]).all()
