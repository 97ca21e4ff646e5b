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


def args(**kw):
    base = dict(iters=30, batch_size=2, test_scenes=3, sar_looks=4, hetero_dir='/nonexistent')
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.mark.parametrize('key', sorted(gold_ablation.VARIANTS))
def test_every_variant_builds(key, tmp_path):
    path, overrides = gold_ablation.VARIANTS[key][1:]
    cfg = gold_ablation.build_cfg(path, overrides, args(), 0, str(tmp_path / key))
    model = MODELS.build(cfg.model)
    if key.startswith('gold-') and key.split('-')[-1] in ('gate', 'residual', 'concat'):
        assert model.student_attention.mode == key.split('-')[-1]
    if 'noattmodule' in key:
        assert model.student_attention is None


def test_harder_sar_gets_a_set_of_its_own(tmp_path):
    cfg = gold_ablation.build_cfg(gold_ablation.GOLD_CFG, {}, args(sar_looks=1), 0, str(tmp_path))
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        assert loader.dataset.sar_looks == 1
        assert loader.dataset.data_root.endswith('synthetic_hetero_cd_1look')


def record(variant, seed, f1):
    return dict(variant=variant, seed=seed, train_s=10.0, weight_cd=None, synthetic=dict(F1=f1),
                synthetic_tiled=dict(F1=f1), real={})


def test_merge_renders_mean_std_and_per_seed(tmp_path):
    run = dict(command='python tools/experiments/gold_ablation.py ...', device='CPU: 2 cores',
               notes=['note', ''])
    one = dict(run, records=[record('student', 0, 0.8), record('gold', 0, 0.5)])
    two = dict(run, records=[record('student', 1, 0.6)])
    (tmp_path / 'one.json').write_text(json.dumps(one))
    (tmp_path / 'list.json').write_text(json.dumps([two]))  # a merged file merges again
    out = tmp_path / 'merged.md'
    subprocess.run([sys.executable, SCRIPT, '--merge', str(tmp_path / 'one.json'),
                    str(tmp_path / 'list.json'), '--out', str(out)], check=True,
                   capture_output=True)
    text = out.read_text()
    student = next(line for line in text.splitlines() if line.startswith('| student only'))
    assert '| 0,1 |' in student and '0.700 ± 0.141' in student and '0.800 / 0.600' in student
    assert '| 0.500 |' in next(line for line in text.splitlines() if line.startswith('| GOLD,'))
    assert '2 invocations merged' in text
    assert len(json.loads((tmp_path / 'merged.json').read_text())) == 2
