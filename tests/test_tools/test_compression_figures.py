"""tools/experiments/compression_figures.py: the F1 chart from the experiment's JSONs and the
error-map panels of its saved predictions."""
import json
import os
import os.path as osp
import types

import cv2
import numpy as np
import pytest

from tests.test_tools.test_compression_tools import REPO, load_tool

TOOL = 'tools/experiments/compression_figures.py'


def test_error_map_colours():
    tool = load_tool(TOOL)
    gt = np.array([[1, 1, 0, 0]], bool)
    pred = np.array([[1, 0, 1, 0]], bool)
    assert tool.error_map(pred, gt).tolist() == [[list(tool.HIT), list(tool.MISS),
                                                  list(tool.FALSE_ALARM), [0, 0, 0]]]
    with pytest.raises(ValueError, match='differ in size'):
        tool.error_map(pred, gt.T)


def write_json(path, student, results):
    args = dict(student=student) if student else {}
    path.write_text(json.dumps(dict(args=args, minutes=1.0, results=results)))
    return str(path)


def test_f1_chart_has_one_bar_per_student_arm_at_its_mean(tmp_path):
    tool = load_tool(TOOL)
    old = write_json(tmp_path / 'a.json', None, {  # written before --student: r18-half
        'levir/teacher (R18 FPN)': [dict(F1=0.55)],
        'levir/student alone': [dict(F1=0.4, seed=0), dict(F1=0.5, seed=1)]})
    mnv2 = write_json(tmp_path / 'b.json', 'mnv2', {
        'levir/student + cwd': [dict(F1=0.6, seed=0), dict(F1=0.7, seed=1)],
        'ombria/student alone': [dict(F1=0.3, seed=0)]})
    table = tool.collect_results([old, mnv2])
    assert list(table['levir']) == ['teacher (R18 FPN)', 'student alone [r18-half]',
                                    'student + cwd [mnv2]']
    fig = tool.plot_f1(table, dict(ombria=56.0))
    levir, ombria = fig.axes
    assert [round(b.get_height(), 6) for b in levir.patches] == [45.0, 65.0]
    assert [round(line.get_ydata()[0], 6) for line in levir.lines
            if line.get_linestyle() == '--'] == [55.0]
    assert [line.get_ydata()[0] for line in ombria.lines if line.get_linestyle() == ':'] == [56.0]
    (tmp_path / 'bad.json').write_text('{"results": {}}')
    with pytest.raises(ValueError, match='bad.json: not a JSON written by'):
        tool.collect_results([str(tmp_path / 'bad.json')])


def test_panels_show_each_run_against_the_ground_truth(tmp_path, monkeypatch):
    tool = load_tool(TOOL)
    gts = {f'p{i}.png': np.zeros((8, 8), np.uint8) for i in range(4)}
    for i, gt in enumerate(gts.values()):
        gt[:i * 2] = 255  # change shares 0, 1/4, 1/2, 3/4

    def prepare_data(name, root, shared):
        for sub in ('A', 'B', 'label'):
            for n, gt in gts.items():
                path = osp.join(root, name, 'test', sub, n)
                os.makedirs(osp.dirname(path), exist_ok=True)
                cv2.imwrite(path, gt if sub == 'label' else np.dstack([gt] * 3))
        return osp.join(root, name)

    monkeypatch.setattr(tool, '_load_compression',
                        lambda: types.SimpleNamespace(prepare_data=prepare_data))
    pred = tmp_path / 'pred' / 'levir'
    for run in ('student_alone_r18-half_seed0', 'teacher_seed0'):
        (pred / run).mkdir(parents=True)
        for n in gts:
            cv2.imwrite(str(pred / run / n), np.full((8, 8), 255, np.uint8))
    fig = tool.draw_panels(str(tmp_path / 'pred'), 'levir', 'unused', patches=2)
    rows = np.array(fig.axes).reshape(2, 3)
    assert [ax.get_title() for ax in rows[0]] == ['ground truth', 'teacher\nseed0',
                                                  'student_alone_r18-half\nseed0']
    # the 30th percentile and the most changed of the changed patches (p0 has no change)
    assert [ax.get_ylabel() for ax in rows[:, 0]] == ['p2', 'p3']
    teacher = rows[0, 1].get_images()[0].get_array()  # p2: change in rows 0-3
    assert (teacher[:4] == tool.HIT).all() and (teacher[4:] == tool.FALSE_ALARM).all()

    (pred / 'teacher_seed0' / 'p3.png').unlink()
    with pytest.raises(FileNotFoundError, match='teacher_seed0 has no prediction of p3.png'):
        tool.draw_panels(str(tmp_path / 'pred'), 'levir', 'unused', patches=2)
    with pytest.raises(FileNotFoundError, match='no run folders'):
        tool.draw_panels(str(tmp_path / 'pred'), 'dsifn', 'unused')


def test_panels_of_real_data_are_not_written_into_the_project():
    tool = load_tool(TOOL)
    with pytest.raises(SystemExit):
        tool.parse_args(['panels', '--predictions', 'p', '--dataset', 'levir', '--out',
                         osp.join(REPO, 'docs', 'levir.png')])
    assert tool.parse_args(['panels', '--predictions', 'p', '--dataset', 'levir', '--out',
                            '/tmp/levir.png']).out == '/tmp/levir.png'
