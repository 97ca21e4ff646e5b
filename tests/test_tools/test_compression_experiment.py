"""tools/experiments/compression.py --from-json: the JSONs of invocations that ran different arms
or seeds in parallel merge into one table (arms in order, seeds sorted, one benchmark); runs with
other settings, duplicated seeds or two benchmarks are refused."""
import json

import pytest
import torch

from tests.test_tools.test_compression_tools import load_tool

SCRIPT = 'tools/experiments/compression.py'
BENCH = {'teacher (R18 FPN)': dict(params=12.75e6, flops=6.3e9, latency_ms=180.0,
                                   throughput_pairs_s=5.0, latency_speedup=1.0,
                                   throughput_speedup=1.0)}


def invocation(script, tmp_path, name, argv, results, bench=None, minutes=1.0):
    """Write the report one invocation of the script would write after these runs."""
    args = script.parse_args(argv + ['--out', str(tmp_path / f'{name}.md')])
    script.write_report(args.out, results, bench, args, minutes)
    return str(tmp_path / f'{name}.json')


def runs(*f1s, first_seed=0):
    return [dict(F1=f1, IoU=f1 / 2, seed=first_seed + i) for i, f1 in enumerate(f1s)]


def test_merge_of_parallel_arms_and_seeds(tmp_path):
    script = load_tool(SCRIPT)
    common = ['--iters', '9', '--teacher-checkpoint', 'teacher.pth']
    alone = invocation(script, tmp_path, 'alone', common + ['--arms', 'teacher', 'alone'], {
        ('levir', 'teacher (R18 FPN)'): [dict(F1=0.5, IoU=0.3)],
        ('levir', 'student alone'): runs(0.1, 0.2, 0.3)}, minutes=2.0)
    cwd_late = invocation(script, tmp_path, 'cwd2', common + ['--arms', 'distilled', '--seeds',
                                                             '2', '--bench-size', '0'],
                          {('levir', 'student + cwd'): runs(0.4, first_seed=2)})
    cwd = invocation(script, tmp_path, 'cwd', common + ['--arms', 'distilled', '--seeds', '0',
                                                        '1', '--bench-size', '0'],
                     {('levir', 'student + cwd'): runs(0.2, 0.3)})
    out = str(tmp_path / 'merged.md')
    script.merge_reports([cwd_late, alone, cwd], out)
    merged = json.load(open(out[:-3] + '.json'))
    assert list(merged['results']) == ['levir/teacher (R18 FPN)', 'levir/student alone',
                                       'levir/student + cwd']
    assert [r['seed'] for r in merged['results']['levir/student + cwd']] == [0, 1, 2]
    assert merged['args']['seeds'] == [0, 1, 2] and merged['minutes'] == 4.0
    table = open(out).read()
    assert '| levir | student + cwd | 30.00 ± 8.16 | 15.00 ± 4.08 | [20.00, 30.00, 40.00]' in table
    assert table.count('OMP_NUM_THREADS=1 python tools/experiments/compression.py') == 3
    assert 'Deployed networks' not in table  # no invocation benchmarked
    script.merge_reports([alone, cwd], out)  # seed 2 of the distilled arm did not run
    assert '| levir | student + cwd (seeds 0, 1 only) | 25.00 ± 5.00 |' in open(out).read()
    assert '| levir | student alone | 20.00 ± 8.16 |' in open(out).read()


def test_merge_refuses_mismatched_or_duplicated_runs(tmp_path):
    script = load_tool(SCRIPT)
    base = ['--arms', 'alone', '--bench-size', '0']
    a = invocation(script, tmp_path, 'a', base + ['--iters', '9'],
                   {('levir', 'student alone'): runs(0.1)})
    other = invocation(script, tmp_path, 'other', base + ['--iters', '10', '--seeds', '1'],
                       {('levir', 'student alone'): runs(0.1, first_seed=1)})
    with pytest.raises(ValueError, match='iters 10 vs 9'):
        script.merge_reports([a, other], str(tmp_path / 'm.md'))
    same_seed = invocation(script, tmp_path, 'same', base + ['--iters', '9'],
                           {('levir', 'student alone'): runs(0.2)})
    with pytest.raises(ValueError, match=r'seed\(s\) \[0\] appear in more than one'):
        script.merge_reports([a, same_seed], str(tmp_path / 'm.md'))
    b1 = invocation(script, tmp_path, 'b1', ['--arms', 'alone', '--iters', '9'],
                    {('levir', 'student alone'): runs(0.1)}, bench=BENCH)
    b2 = invocation(script, tmp_path, 'b2', ['--arms', 'alone', '--iters', '9', '--seeds', '1'],
                    {('levir', 'student alone'): runs(0.1, first_seed=1)}, bench=BENCH)
    with pytest.raises(ValueError, match='hold a benchmark'):
        script.merge_reports([b1, b2], str(tmp_path / 'm.md'))
    c = invocation(script, tmp_path, 'c', base + ['--iters', '9', '--seeds', '1'],
                   {('levir', 'student alone'): runs(0.3, first_seed=1)})
    script.merge_reports([b1, c], str(tmp_path / 'ok.md'))
    assert '| teacher (R18 FPN) | 12.75 | 6.30 | 180.0 | 5.00 |' in open(tmp_path / 'ok.md').read()
    assert not (tmp_path / 'm.md').exists()


def test_teacher_curve_options(tmp_path):
    """--teacher-eval-interval tests and checkpoints the teacher every N iterations and records
    the curve in the table; --teacher-work-dir keeps its checkpoints and never overwrites any."""
    script = load_tool(SCRIPT)
    with pytest.raises(SystemExit):  # 300 does not divide 1000
        script.parse_args(['--teacher-iters', '1000', '--teacher-eval-interval', '300'])
    with pytest.raises(SystemExit):  # trains a teacher and reuses one
        script.parse_args(['--teacher-work-dir', str(tmp_path), '--teacher-checkpoint', 'a.pth'])
    args = script.parse_args(['--teacher-iters', '1000', '--teacher-eval-interval', '250'])
    cfg = script.build_cfg(script.TEACHER, str(tmp_path), 0, 1000, args, str(tmp_path / 'w'),
                           eval_interval=250)
    assert cfg.train_cfg.val_interval == 250 and cfg.default_hooks.checkpoint.interval == 250
    assert cfg.val_cfg.type == 'ValLoop' and cfg.val_evaluator == cfg.test_evaluator
    assert cfg.val_dataloader.dataset.data_prefix.img_path_from == 'test/A'
    plain = script.build_cfg(script.TEACHER, str(tmp_path), 0, 1000, args, str(tmp_path / 'w'))
    assert plain.val_cfg is None and plain.default_hooks.checkpoint.interval == 1000

    hook = script.CurveHook()
    for it, f1 in ((250, 0.25), (500, 0.5)):
        hook.after_val_epoch(type('Runner', (), dict(iter=it))(), dict(F1=f1, IoU=f1 / 2, OA=1.))
    assert hook.points == [dict(iter=250, F1=0.25, IoU=0.125), dict(iter=500, F1=0.5, IoU=0.25)]
    out = str(tmp_path / 'curve.md')
    script.write_report(out, {('levir', 'teacher (R18 FPN)'): [dict(F1=0.5, IoU=0.25,
                                                                     curve=hook.points)]},
                        None, args, 1.0)
    assert ('levir teacher (R18 FPN), tested during its training (F1 / IoU, %): 250 it 25.00 / '
            '12.50, 500 it 50.00 / 25.00.') in open(out).read()
    assert json.load(open(out[:-3] + '.json'))['results']['levir/teacher (R18 FPN)'][0][
        'curve'][1]['iter'] == 500

    kept = tmp_path / 'teacher'
    kept.mkdir()
    (kept / 'iter_1000.pth').write_bytes(b'trained')
    with pytest.raises(FileExistsError, match='already holds checkpoints'):
        script.main(['--teacher-work-dir', str(kept), '--arms', 'teacher', '--bench-size', '0',
                     '--out', str(tmp_path / 'x.md')])
    assert (kept / 'iter_1000.pth').read_bytes() == b'trained'


def test_merge_of_cwd_and_kd_arms(tmp_path):
    """The arm names the distillation loss, so the JSONs of a cwd and a kd run merge into one
    table; the other settings must still agree."""
    script = load_tool(SCRIPT)
    common = ['--iters', '9', '--teacher-checkpoint', 'teacher.pth', '--bench-size', '0']
    alone = invocation(script, tmp_path, 'alone', common + ['--arms', 'alone'],
                       {('levir', 'student alone'): runs(0.1, 0.2, 0.3)})
    cwd = invocation(script, tmp_path, 'cwd', common + ['--arms', 'distilled'],
                     {('levir', 'student + cwd'): runs(0.2, 0.3, 0.4)})
    kd = invocation(script, tmp_path, 'kd', common + ['--arms', 'distilled', '--distill', 'kd'],
                    {('levir', 'student + kd'): runs(0.3, 0.4, 0.5)})
    out = str(tmp_path / 'merged.md')
    script.merge_reports([kd, alone, cwd], out)
    merged = json.load(open(out[:-3] + '.json'))
    assert list(merged['results']) == ['levir/student alone', 'levir/student + cwd',
                                       'levir/student + kd']
    assert merged['args']['distill'] == 'cwd, kd'
    table = open(out).read()
    assert 'alone and distilled (cwd, kd)' in table
    assert '| levir | student + kd | 40.00 ± 8.16 |' in table
    other = invocation(script, tmp_path, 'kd9', ['--iters', '10', '--arms', 'distilled',
                                                 '--distill', 'kd', '--teacher-checkpoint', 't'],
                       {('levir', 'student + kd'): runs(0.3)})
    with pytest.raises(ValueError, match='iters 10 vs 9'):
        script.merge_reports([cwd, other], str(tmp_path / 'm.md'))


def test_merge_compares_only_the_settings_of_the_arms_run(tmp_path):
    """A teacher-only JSON (trained with its own --teacher-iters, the default student --iters)
    merges with student runs at other --iters; its --teacher-iters must still match the
    distilled runs', and its default seeds do not enter the table's."""
    script = load_tool(SCRIPT)
    teacher = invocation(script, tmp_path, 'teacher', ['--arms', 'teacher', '--teacher-iters',
                                                       '40', '--bench-size', '0'],
                         {('levir', 'teacher (R18 FPN)'): [dict(F1=0.5, IoU=0.3)]})
    student = ['--teacher-checkpoint', 't.pth', '--iters', '9', '--seeds', '1', '--bench-size',
               '0', '--arms']
    alone = invocation(script, tmp_path, 'alone', student + ['alone'],
                       {('levir', 'student alone'): runs(0.1, first_seed=1)})
    cwd = invocation(script, tmp_path, 'cwd', student + ['distilled', '--teacher-iters', '40'],
                     {('levir', 'student + cwd'): runs(0.2, first_seed=1)})
    out = str(tmp_path / 'merged.md')
    script.merge_reports([teacher, alone, cwd], out)
    merged = json.load(open(out[:-3] + '.json'))['args']
    assert (merged['teacher_iters'], merged['iters'], merged['seeds']) == (40, 9, [1])
    assert 'ResNet-18 + FPN, 40 iterations (seed 0)' in open(out).read()
    cwd_800 = invocation(script, tmp_path, 'cwd800', student + ['distilled'],
                         {('levir', 'student + cwd'): runs(0.2, first_seed=1)})
    with pytest.raises(ValueError, match='teacher_iters 800 vs 40'):
        script.merge_reports([teacher, alone, cwd_800], str(tmp_path / 'm.md'))
    teacher_crop = invocation(script, tmp_path, 'tc', ['--arms', 'teacher', '--teacher-iters',
                                                       '40', '--crop', '32'],
                              {('levir', 'teacher (R18 FPN)'): [dict(F1=0.5, IoU=0.3)]})
    with pytest.raises(ValueError, match='crop 64 vs 32'):
        script.merge_reports([teacher_crop, alone], str(tmp_path / 'm.md'))


def test_merge_keeps_students_apart_and_reads_jsons_from_before_student(tmp_path):
    """A JSON written before --student existed ran the half-width ResNet-18: it merges with
    r18-half runs and is refused beside another student's."""
    script = load_tool(SCRIPT)
    base = ['--arms', 'alone', '--bench-size', '0', '--iters', '9']
    old = invocation(script, tmp_path, 'old', base, {('levir', 'student alone'): runs(0.1)})
    raw = json.load(open(old))
    del raw['args']['student']
    json.dump(raw, open(old, 'w'))
    same = invocation(script, tmp_path, 'same', base + ['--seeds', '1'],
                      {('levir', 'student alone'): runs(0.2, first_seed=1)})
    script.merge_reports([old, same], str(tmp_path / 'ok.md'))
    assert 'Student: half-width ResNet-18 + FPN' in open(tmp_path / 'ok.md').read()
    mnv2 = invocation(script, tmp_path, 'mnv2', base + ['--seeds', '1', '--student', 'mnv2'],
                      {('levir', 'student alone'): runs(0.2, first_seed=1)})
    with pytest.raises(ValueError, match="student 'mnv2' vs 'r18-half'"):
        script.merge_reports([old, mnv2], str(tmp_path / 'm.md'))


def test_tinycd_has_no_fpn_features_to_distil():
    script = load_tool(SCRIPT)
    with pytest.raises(SystemExit):
        script.parse_args(['--student', 'tinycd', '--distill', 'cwd-feat'])


def teacher_checkpoint(script, path):
    """A checkpoint of the experiment's teacher network (random weights), as a runner saves it."""
    from mmengine.config import Config

    from cdkd.registry import MODELS
    from cdkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    model = Config.fromfile(script.TEACHER).model
    model.backbone.init_cfg = None
    torch.save(dict(state_dict=MODELS.build(model).state_dict()), path)
    return str(path)


@pytest.mark.parametrize('student,distill,losses', [
    ('tinycd', 'cwd', {'distill.loss_cwd'}),
    ('tinycd', 'kd', {'distill.loss_kd'}),
    ('mnv2', 'cwd-feat', {'distill.loss_cwd', 'distill.loss_fused0', 'distill.loss_fused3'}),
])
def test_every_student_trains_under_the_teacher(tmp_path, student, distill, losses):
    """The distiller the script builds connects the R18 FPN teacher to each student: a 2-class
    teacher meets TinyCD's single logit, the fused-feature connectors map the student's widths to
    the teacher's, the distillation losses reach the student and never the teacher."""
    from mmengine.config import Config

    from cdkd.registry import MODELS
    from tests.test_models.test_siamese_encoder_decoder import make_batch
    script = load_tool(SCRIPT)
    args = script.parse_args(['--student', student, '--distill', distill])
    cfg = script.build_cfg(script.STUDENTS[student][1], str(tmp_path), 0, 10, args,
                           str(tmp_path / 'w'), teacher_checkpoint(script, tmp_path / 't.pth'))
    connectors = cfg.model.distiller.connectors
    assert connectors.logits_t.out_channels == (1 if student == 'tinycd' else 2)
    if distill == 'cwd-feat':
        widths = Config.fromfile(script.STUDENTS[student][1]).model.decode_head.in_channels
        assert (connectors.fused0_s.in_channel, connectors.fused0_s.out_channel) == (widths[0], 64)
        assert (connectors.fused3_s.in_channel, connectors.fused3_s.out_channel) == (widths[3], 512)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(make_batch(size=64), training=True)
    out = model(**data, mode='loss')
    assert losses <= set(out) and all(torch.isfinite(out[k]) and out[k] > 0 for k in losses)
    sum(out[k] for k in losses).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.student.backbone.parameters())
    assert all(p.grad is None for p in model.teachers.parameters())


def test_ombria_split_links_optical_t1_and_sar_t2(tmp_path, monkeypatch):
    script = load_tool(SCRIPT)
    src = tmp_path / 'shared' / 'ombria_gold'
    for sub in ('A', 'B', 'C', 'Label'):
        (src / sub).mkdir(parents=True)
        for i in (1, 2, 3):
            (src / sub / f'train_{i:04d}.png').write_bytes(sub.encode())
    for split, ids in (('train', 'train_0001\ntrain_0003\n'), ('val', 'train_0002\n')):
        (tmp_path / f'ombria_gold_{split}.txt').write_text(ids)
    monkeypatch.setattr(script, 'OMBRIA_SPLITS', str(tmp_path / 'ombria_gold_{}.txt'))
    root = script.prepare_data('ombria', str(tmp_path / 'work'), str(tmp_path / 'shared'))
    assert sorted(p.name for p in (tmp_path / 'work/ombria/train/B').iterdir()) == [
        'train_0001.png', 'train_0003.png']
    assert (tmp_path / 'work/ombria/test/B/train_0002.png').read_bytes() == b'B'  # the SAR
    assert (tmp_path / 'work/ombria/test/label/train_0002.png').read_bytes() == b'Label'
    assert root == str(tmp_path / 'work' / 'ombria')
    (src / 'B' / 'train_0002.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'B/train_0002.png \(listed in .*val.txt\)'):
        script.prepare_data('ombria', str(tmp_path / 'work2'), str(tmp_path / 'shared'))


def test_saved_predictions_go_to_one_new_folder_per_run(tmp_path):
    script = load_tool(SCRIPT)
    args = script.parse_args(['--save-predictions', str(tmp_path / 'p'), '--student', 'mnv2'])
    assert script.prediction_dir(args, 'levir', 'teacher (R18 FPN)', 0) == str(
        tmp_path / 'p' / 'levir' / 'teacher_seed0')
    out = script.prediction_dir(args, 'levir', 'student + cwd-feat', 2)
    assert out == str(tmp_path / 'p' / 'levir' / 'student_cwd-feat_mnv2_seed2')
    cfg = script.build_cfg(script.STUDENTS['mnv2'][1], str(tmp_path), 2, 10, args,
                           str(tmp_path / 'w'), predictions=out)
    assert cfg.test_evaluator.output_dir == out and cfg.test_evaluator.type == 'ChangeMetric'
    assert 'output_dir' not in script.build_cfg(script.TEACHER, str(tmp_path), 0, 10, args,
                                                str(tmp_path / 'w')).test_evaluator
    assert script.prediction_dir(script.parse_args([]), 'levir', 'teacher', 0) is None
    (tmp_path / 'p' / 'levir' / 'teacher_seed0').mkdir(parents=True)
    (tmp_path / 'p' / 'levir' / 'teacher_seed0' / 'test_2_0000_0000.png').write_bytes(b'kept')
    with pytest.raises(FileExistsError, match='teacher_seed0 already holds predictions'):
        script.prediction_dir(args, 'levir', 'teacher (R18 FPN)', 0)
    with pytest.raises(SystemExit):  # never into the shared data
        script.parse_args(['--shared-data', str(tmp_path), '--save-predictions',
                           str(tmp_path / 'levir_cd' / 'pred')])


def test_sar_t2_is_three_equal_bands_and_never_exchanged(tmp_path):
    script = load_tool(SCRIPT)
    args = script.parse_args(['--datasets', 'ombria'])
    cfg = script.build_cfg(script.TEACHER, str(tmp_path), 0, 10, args, str(tmp_path / 'w'),
                           sar_t2=True)
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        assert loader.dataset.pipeline[1] == dict(type='MultiImgSelectBands',
                                                  bands=[None, [0, 0, 0]])
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert 'RandomTemporalExchange' not in types and 'MultiImgPhotoMetricDistortion' in types
    optical = script.build_cfg(script.TEACHER, str(tmp_path), 0, 10, args, str(tmp_path / 'w'))
    assert 'RandomTemporalExchange' in [
        t['type'] for t in optical.train_dataloader.dataset.pipeline]
    assert 'MultiImgSelectBands' not in [
        t['type'] for t in optical.test_dataloader.dataset.pipeline]
