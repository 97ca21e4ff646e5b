"""tools/analysis_tools/analyze_logs.py: plot_curve and cal_train_time from the command line."""
import os

import pytest

from tests.test_visualization.scalar_logs import ITER_RUN, train_line, write_run
from tools.analysis_tools.analyze_logs import main


def test_plot_curve_defaults_to_first_work_dir_and_says_what_it_used(tmp_path, capsys):
    work = tmp_path / 'work'
    write_run(work, '20260101_000000', ITER_RUN[:2])
    write_run(work, '20260102_000000', ITER_RUN)
    other = write_run(tmp_path / 'other', 'ts', ITER_RUN)
    main(['plot_curve', str(work), other])
    out = capsys.readouterr().out
    assert f'{work}: using 20260102_000000 (newest of 2 runs)' in out
    assert f'{other}: reading {other}' in out
    assert f'wrote {work / "curves.png"}: loss, F1 of work, other' in out
    assert os.path.getsize(work / 'curves.png') > 0


def test_plot_curve_keys_legend_out_and_errors(tmp_path, capsys):
    work = tmp_path / 'work'
    write_run(work, 'ts', [train_line(5, 0.9), train_line(10, 0.8)])
    out = tmp_path / 'figs' / 'c.png'
    main(['plot_curve', str(work), '--keys', 'loss', 'lr', '--legend', 'mine', '--title', 't',
          '--out', str(out)])
    assert f'wrote {out}: loss, lr of mine' in capsys.readouterr().out
    assert out.stat().st_size > 0
    # No validation yet: the default keys leave F1 out instead of failing.
    main(['plot_curve', str(work)])
    assert 'curves.png: loss of work' in capsys.readouterr().out
    with pytest.raises(SystemExit, match="^error: key 'F1' is not logged in .*validation keys: "
                       'none$'):
        main(['plot_curve', str(work), '--keys', 'F1'])
    with pytest.raises(SystemExit, match=f'^error: no such file or directory: {tmp_path / "x"}$'):
        main(['plot_curve', str(tmp_path / 'x')])


def test_cal_train_time_prints_average_iteration_time(tmp_path, capsys):
    path = write_run(tmp_path / 'w', 'ts', ITER_RUN)
    main(['cal_train_time', path])
    out = capsys.readouterr().out
    assert f'-----Analyze train time of {path}-----' in out
    assert 'slowest interval (ending at iter 10): 0.6000 s/iter' in out
    assert 'fastest interval (ending at iter 15): 0.4000 s/iter' in out
    assert 'time std over 3 intervals: 0.0816' in out
    assert out.rstrip().endswith('average iter time: 0.5000 s/iter')
    main(['cal_train_time', path, '--include-outliers'])
    assert 'average iter time: 0.8750 s/iter' in capsys.readouterr().out
