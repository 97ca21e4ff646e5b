"""Compression end to end: tools/train.py trains a teacher, then a TeacherStudentDistiller that
names the teacher's config and checkpoint; the converter writes a plain student checkpoint that
predicts exactly what the distiller's student predicts, exports to ONNX and runs in
tools/infer_scene.py (tiny models, tiny synthetic scenes)."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from cdkd.apis import change_probability, inference_model, init_model
from cdkd.datasets import generate_synthetic_cd
from tests.test_tools.test_train_test_infer import REPO, run_tool, write_config

pytestmark = pytest.mark.slow  # two tools/train.py launches: about 2 min on 2 shared cores
CWD_LOGITS = osp.join(REPO, 'configs/_base_/distillers/cwd_logits.py')
STUDENT = """
model = dict(backbone=dict(stem_channels=4, base_channels=4),
             decode_head=dict(in_channels=[4, 8, 16, 32], channels=8))
"""


def load_tool(path):
    spec = importlib.util.spec_from_file_location(osp.basename(path)[:-3], osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp('compression')
    data = str(root / 'data')
    generate_synthetic_cd(data, dict(train=4, test=2), size=64, seed=3, progress=False)
    teacher_cfg = write_config(str(root / 'teacher.py'), data, iters=4)
    student_cfg = write_config(str(root / 'student.py'), data, iters=4, extra=STUDENT)
    run_tool('tools/train.py', teacher_cfg, '--work-dir', str(root / 'teacher'), cwd=REPO)
    teacher_ckpt = str(root / 'teacher' / 'iter_4.pth')
    distill_cfg = root / 'distill.py'
    distill_cfg.write_text(f"""
_base_ = [{student_cfg!r}, {CWD_LOGITS!r}]
model = dict(_delete_=True, type='TeacherStudentDistiller',
             architecture=dict(cfg_path={student_cfg!r}),
             teacher=dict(cfg_path={teacher_cfg!r}, checkpoint={teacher_ckpt!r}),
             distiller={{{{_base_.distiller}}}})
""")
    out = run_tool('tools/train.py', str(distill_cfg), '--work-dir', str(root / 'distill'),
                   cwd=REPO)
    assert 'distill.loss_cwd' in out and 'student.decode.loss_ce' in out
    student_ckpt = str(root / 'student.pth')
    out = run_tool('tools/model_converters/distiller_to_detector.py',
                   str(root / 'distill' / 'iter_4.pth'), student_ckpt, cwd=REPO)
    assert 'wrote' in out
    return dict(root=root, student_cfg=student_cfg, distill_cfg=str(distill_cfg),
                distill_ckpt=str(root / 'distill' / 'iter_4.pth'), student_ckpt=student_ckpt,
                teacher_ckpt=teacher_ckpt)


def test_converted_student_predicts_what_the_distiller_predicts(trained, tmp_path):
    state = torch.load(trained['student_ckpt'], weights_only=False)
    assert not any(k.startswith(('teachers.', 'distiller.')) for k in state['state_dict'])
    assert state['meta']['distiller_source'] == 'student'
    distiller = init_model(trained['distill_cfg'], trained['distill_ckpt'])
    student = init_model(trained['student_cfg'], trained['student_ckpt'])
    teacher = torch.load(trained['teacher_ckpt'], weights_only=False)['state_dict']
    for k, v in teacher.items():  # the distiller checkpoint holds the teacher unchanged
        assert torch.equal(distiller.teachers[0].state_dict()[k], v), k
    rng = np.random.default_rng(0)
    pair = []
    for name in ('a', 'b'):
        pair.append(str(tmp_path / f'{name}.png'))
        cv2.imwrite(pair[-1], rng.integers(0, 256, (64, 64, 3), np.uint8))
    ours, ref = inference_model(distiller, pair), inference_model(student, pair)
    assert torch.equal(ours.seg_logits.data, ref.seg_logits.data)
    assert torch.equal(ours.pred_sem_seg.data, ref.pred_sem_seg.data)
    with pytest.raises(KeyError, match='TeacherStudentDistiller checkpoint'):
        load_tool('tools/model_converters/distiller_to_detector.py').convert(
            trained['teacher_ckpt'], str(tmp_path / 'x.pth'), 'student')
    assert not osp.exists(tmp_path / 'x.pth')


def test_student_exports_to_onnx_and_runs_on_a_scene(trained, tmp_path, capsys):
    pytest.importorskip('onnxruntime', reason='the export check needs onnxruntime')
    pytest.importorskip('rasterio', reason='large-scene inference needs rasterio')
    cfg, ckpt = trained['student_cfg'], trained['student_ckpt']
    load_tool('tools/export_onnx.py').main([cfg, ckpt, '--out', str(tmp_path / 's.onnx'),
                                            '--size', '64', '--verify'])
    assert 'onnxruntime matches PyTorch' in capsys.readouterr().out
    rng = np.random.default_rng(1)
    for name in ('a', 'b'):
        cv2.imwrite(str(tmp_path / f'{name}.png'), rng.integers(0, 256, (96, 96, 3), np.uint8))
    summary = load_tool('tools/infer_scene.py').main(
        [cfg, ckpt, '--t1', str(tmp_path / 'a.png'), '--t2', str(tmp_path / 'b.png'),
         '--out', str(tmp_path / 'change.tif'), '--prob-out', str(tmp_path / 'prob.tif'),
         '--prob-dtype', 'float32', '--tile', '96', '--overlap', '0'])
    assert summary['tiles'] == 1
    import rasterio
    with rasterio.open(tmp_path / 'prob.tif') as src:
        prob = src.read(1)
    sample = inference_model(init_model(cfg, ckpt), [str(tmp_path / 'a.png'),
                                                     str(tmp_path / 'b.png')])
    np.testing.assert_allclose(prob, change_probability(sample), atol=1e-5)
