"""Reading mmengine scalars logs: train/val split, run selection, errors."""
import os

import pytest

from cdkd.visualization import find_scalars_file, load_run
from tests.test_visualization.scalar_logs import ITER_RUN, train_line, val_line, write_run


def test_train_and_val_lines_go_to_their_tables(tmp_path):
    path = write_run(tmp_path / 'work', '20260101_000000', ITER_RUN)
    run = load_run(path)
    assert run.path == path and run.name == 'work' and run.work_dir == str(tmp_path / 'work')
    assert run.train['loss'].steps == [5, 10, 15, 20]
    assert run.train['loss'].values == [0.9, 0.7, 0.5, 0.3]
    assert run.train['lr'].values == [0.01] * 4
    assert run.val['F1'].steps == [10, 20] and run.val['F1'].values == [0.4, 0.8]
    assert run.val['IoU'].values == [0.25, 0.67]
    assert set(run.train) == {'lr', 'data_time', 'loss', 'time'}  # step/iter are axes
    assert set(run.val) == {'OA', 'F1', 'IoU', 'data_time', 'time'}
    assert run.val_step_note is None
    # `time` is both a training and a validation key: the training one is plotted.
    series, is_val = run.series('time')
    assert not is_val and series.values == [2.0, 0.6, 0.4, 0.5]
    assert run.series('F1') == (run.val['F1'], True)


def test_epoch_based_validation_is_put_on_the_iteration_axis(tmp_path):
    # 2 iterations per epoch, logged every iteration; metrics logged by epoch (step = epoch).
    lines = [train_line(1, 1.0, epoch=1), train_line(2, 0.9, epoch=1), val_line(1, 0.3),
             train_line(3, 0.8, epoch=2), train_line(4, 0.7, epoch=2), val_line(2, 0.6)]
    run = load_run(write_run(tmp_path / 'w', 't', lines))
    assert run.val['F1'].steps == [2, 4] and run.train['loss'].steps == [1, 2, 3, 4]
    assert run.val_step_note == ('validation logged by epoch: epoch e plotted at iteration e x 2 '
                                 '(epoch length from the training lines)')
    # 8 per epoch logged every 4: iteration 8 is in epoch 1 and 12 in epoch 2, so 8 to 11 fit.
    lines = [train_line(4, 1.0, epoch=1), train_line(8, 0.9, epoch=1), val_line(1, 0.3),
             train_line(12, 0.8, epoch=2), train_line(16, 0.7, epoch=2), val_line(2, 0.6)]
    run = load_run(write_run(tmp_path / 'w2', 't', lines))
    assert run.val['F1'].steps == [8, 16]
    assert run.val_step_note.endswith('which allow 8 to 11: the smallest is used)')
    # One epoch logged: no upper bound.
    lines = [train_line(4, 1.0, epoch=1), train_line(8, 0.9, epoch=1), val_line(1, 0.3)]
    run = load_run(write_run(tmp_path / 'w3', 't', lines))
    assert run.val['F1'].steps == [8]
    assert run.val_step_note.endswith('which allow 8 to any more: the smallest is used)')


def test_epoch_based_run_logging_metrics_by_iteration_keeps_the_steps(tmp_path):
    lines = [train_line(4, 1.0, epoch=1), train_line(8, 0.9, epoch=1), val_line(8, 0.3)]
    run = load_run(write_run(tmp_path / 'w', 't', lines))
    assert run.val['F1'].steps == [8] and run.val_step_note is None


def test_work_dir_resolves_to_newest_non_empty_run(tmp_path):
    work = tmp_path / 'work'
    write_run(work, '20260101_000000', ITER_RUN)
    newest = write_run(work, '20260102_000000', ITER_RUN[:2])
    write_run(work, '20260103_000000', [])  # started, crashed before logging
    (work / '20260104_000000').mkdir()  # a tools/test.py run: no vis_data/scalars.json
    assert find_scalars_file(str(work)) == (newest, '20260102_000000 (newest of 2 runs)')
    run = load_run(str(work))
    assert run.path == newest and run.selected == '20260102_000000 (newest of 2 runs)'
    assert run.train['loss'].steps == [5, 10]
    # A run dir and a vis_data dir name their own file.
    assert find_scalars_file(str(work / '20260101_000000')) == (
        str(work / '20260101_000000' / 'vis_data' / 'scalars.json'), '')
    assert find_scalars_file(str(work / '20260101_000000' / 'vis_data'))[0].endswith(
        os.path.join('20260101_000000', 'vis_data', 'scalars.json'))
    only = tmp_path / 'one'
    write_run(only, 'ts', ITER_RUN)
    assert find_scalars_file(str(only))[1] == 'ts (its only run)'


def test_missing_path_and_empty_work_dir_are_named(tmp_path):
    missing = str(tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match=f'no such file or directory: {missing}$'):
        load_run(missing)
    (tmp_path / 'empty' / 'checkpoints').mkdir(parents=True)
    with pytest.raises(FileNotFoundError,
                       match=f'no scalars.json found under {tmp_path / "empty"} .*: none'):
        load_run(str(tmp_path / 'empty'))
    write_run(tmp_path / 'crashed', 'ts', [])
    with pytest.raises(FileNotFoundError, match='only empty ones in ts'):
        load_run(str(tmp_path / 'crashed'))
    with pytest.raises(ValueError, match='is empty: the run logged nothing yet'):
        load_run(str(tmp_path / 'crashed' / 'ts'))


def test_corrupt_line_names_file_and_line_number(tmp_path):
    path = write_run(tmp_path / 'w', 't', ITER_RUN[:2])
    with open(path, 'a') as f:
        f.write('{"loss": 0.5, "iter": 15, "st\n')  # a line cut off by a killed run
    with pytest.raises(ValueError, match=f'^{path}:3: not a JSON object'):
        load_run(path)
    with open(path, 'w') as f:
        f.write('{"loss": 0.5}\n')
    with pytest.raises(ValueError, match=f'^{path}:1: expected a JSON object with a "step"'):
        load_run(path)


def test_absent_key_lists_available_keys(tmp_path):
    run = load_run(write_run(tmp_path / 'w', 't', ITER_RUN))
    with pytest.raises(KeyError) as e:
        run.series('kd_out')
    assert e.value.args[0] == (
        f"key 'kd_out' is not logged in {run.path}; training keys: data_time, loss, lr, time; "
        'validation keys: F1, IoU, OA, data_time, time')


def test_iteration_time_stats_skip_the_start_up_interval(tmp_path):
    run = load_run(write_run(tmp_path / 'w', 't', ITER_RUN))
    stats = run.iteration_time_stats()
    assert stats == pytest.approx(dict(mean=0.5, std=(0.02 / 3) ** 0.5, slowest=0.6,
                                       slowest_iter=10, fastest=0.4, fastest_iter=15,
                                       intervals=3))
    assert run.iteration_time_stats(include_first=True)['mean'] == pytest.approx(3.5 / 4)
    with pytest.raises(ValueError, match='has no training line with a "time" entry'):
        load_run(write_run(tmp_path / 'v', 't', [val_line(0, 0.5)])).iteration_time_stats()
