"""tools/benchmarks/teacher_student.py: parameters, FLOPs and speed of a teacher and a student."""
import importlib.util
import json
import os.path as osp

import torch

from cdkd.apis import ChangeProbabilityNet
from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_detector

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool():
    path = osp.join(REPO, 'tools/benchmarks/teacher_student.py')
    spec = importlib.util.spec_from_file_location('teacher_student', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def narrow(width):
    cfg = tiny_detector()
    cfg['backbone'].update(stem_channels=width, base_channels=width)
    cfg['decode_head'].update(in_channels=[width * 2 ** i for i in range(4)])
    return ChangeProbabilityNet(MODELS.build(cfg)).eval()


def test_compare_counts_and_times_both_networks():
    tool = load_tool()
    torch.manual_seed(0)
    results = tool.compare(dict(teacher=narrow(16), student=narrow(4)), size=32, batch=2,
                           warmup=0, iters=1)
    t, s = results['teacher'], results['student']
    assert t['params'] == sum(p.numel() for p in narrow(16).network.parameters())
    assert t['params'] > s['params'] > 0 and t['flops'] > s['flops'] > 0
    assert t['params_ratio'] == 1.0 and s['params_ratio'] == t['params'] / s['params']
    assert s['flops_ratio'] > 1
    for row in results.values():
        assert row['latency_ms'] > 0 and row['throughput_pairs_s'] > 0
    lines = tool.markdown_table(results, 32, 2)
    assert len(lines) == 4 and lines[2].startswith('| teacher |')


def test_main_writes_json_and_markdown(tmp_path):
    config = osp.join(REPO, 'configs/compression/siamfpn_r18-half_256x256_40k_levircd.py')
    distill = osp.join(REPO, 'configs/compression/'
                       'cwd_siamfpn-r18_siamfpn-r18-half_128x128_500it_synthetic.py')
    load_tool().main(['--model', f'student={config}', f'distilled={distill}', '--size', '32',
                      '--batch', '1', '--iters', '1', '--warmup', '0', '--scene', '0',
                      '--out-dir', str(tmp_path)])
    data = json.loads((tmp_path / 'teacher_student_cpu.json').read_text())
    # the distiller config is timed as its student: the same network
    assert data['results']['student']['params'] == data['results']['distilled']['params']
    assert 'teacher_student.py --model' in (tmp_path / 'teacher_student_cpu.md').read_text()
