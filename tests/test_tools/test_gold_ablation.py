import argparse
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest

from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'experiments', 'gold_ablation.py')
spec = importlib.util.spec_from_file_location('gold_ablation', SCRIPT)
gold_ablation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gold_ablation)


def args(data_root, **kw):
    base = dict(dataset='ombria', data_root=data_root, iters=84, batch_size=4, crop=64, width=8,
                channels=16)
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.mark.parametrize('key', sorted(gold_ablation.VARIANTS))
def test_every_variant_builds_at_the_same_budget(key, tmp_path, shared_data):
    a = args(osp.join(shared_data, 'ombria_gold'))
    cfg, schedule = gold_ablation.build_cfg(a, key, 0, str(tmp_path / key))
    assert schedule['n_train'] == 166 and schedule['iters_per_epoch'] == 42
    assert schedule['warmup_epochs'] == pytest.approx(2 * 20 / 400)
    assert cfg.train_cfg.max_iters == 84 and cfg.train_dataloader.batch_size == 4
    assert cfg.optim_wrapper.clip_grad.max_norm == 0.5
    crops = [t['crop_size'] for t in cfg.train_dataloader.dataset.pipeline if 'crop_size' in t]
    assert crops and all(c == (64, 64) for c in crops)
    model = MODELS.build(cfg.model)
    assert model.backbone.stem[0].out_channels == 4  # stem_channels // 2 of width 8
    assert model.with_teacher == (key != 'student')
    assert model.with_distillation == (key not in ('student', 'gold-cd-only'))
    assert cfg.train_dataloader.dataset.with_optical_t2 == (key != 'student')
    groups = {'student': set(), 'gold-cd-only': {'cd'}}.get(key, {'cd', 'distill', 'attention'})
    assert set(model.group_weighting) == groups
    assert all(g.warmup_epochs == pytest.approx(0.1) for g in model.group_weighting.values())


def record(variant, seed, f1, teacher=None):
    return dict(variant=variant, seed=seed, train_s=10.0, student=dict(F1=f1, IoU=f1 / 2, Precision=f1),
                teacher={} if teacher is None else dict(F1=teacher))


def test_merge_renders_mean_std_and_per_seed(tmp_path):
    run = dict(command='python tools/experiments/gold_ablation.py ...', device='CPU',
               notes=['note', ''])
    one = dict(run, records=[record('student', 0, 0.8), record('gold', 0, 0.5, 0.9)])
    two = dict(run, records=[record('student', 1, 0.6)])
    (tmp_path / 'one.json').write_text(json.dumps(one))
    (tmp_path / 'list.json').write_text(json.dumps([two]))  # a merged file merges again
    out = tmp_path / 'merged.md'
    subprocess.run([sys.executable, SCRIPT, '--merge', str(tmp_path / 'one.json'),
                    str(tmp_path / 'list.json'), '--out', str(out)], check=True,
                   capture_output=True)
    text = out.read_text()
    student = next(line for line in text.splitlines() if line.startswith('| student branch'))
    assert '| 0,1 |' in student and '0.700 ± 0.141' in student and '0.800 / 0.600' in student
    assert student.endswith('| n/a | n/a |')  # no teacher
    gold = next(line for line in text.splitlines() if line.startswith('| GOLD (official'))
    assert gold.endswith('| 0.900 | 0.900 |')
    assert '2 invocations merged' in text
    assert len(json.loads((tmp_path / 'merged.json').read_text())) == 2
