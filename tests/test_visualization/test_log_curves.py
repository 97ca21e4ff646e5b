"""Training-curve figures: subplots, plotted data, labels, atomic PNG output."""
import os
import struct

import numpy as np
import pytest

from cdkd.visualization import load_run, plot_curves, save_figure
from cdkd.visualization.log_curves import default_labels
from tests.test_visualization.scalar_logs import ITER_RUN, train_line, val_line, write_run


def png_size(path):
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return struct.unpack('>II', header[16:24])


@pytest.fixture
def two_runs(tmp_path):
    first = load_run(write_run(tmp_path / 'baseline', '20260101_000000', ITER_RUN))
    second = load_run(write_run(tmp_path / 'stkd', '20260101_000000', [
        train_line(5, 1.2), train_line(10, 1.0), val_line(10, 0.55)]))
    return first, second


def test_plotted_curves_are_the_logged_values(two_runs):
    fig = plot_curves(two_runs, ['loss', 'F1'], title='cmp')
    loss_ax, f1_ax = fig.axes
    assert loss_ax.get_ylabel() == 'loss' and f1_ax.get_ylabel() == 'F1'
    assert f1_ax.get_xlabel() == 'iteration' and fig._suptitle.get_text() == 'cmp'
    assert loss_ax.get_shared_x_axes().joined(loss_ax, f1_ax)
    base_loss, stkd_loss = loss_ax.lines
    np.testing.assert_array_equal(base_loss.get_xydata(), [[5, 0.9], [10, 0.7], [15, 0.5],
                                                           [20, 0.3]])
    np.testing.assert_array_equal(stkd_loss.get_xydata(), [[5, 1.2], [10, 1.0]])
    assert base_loss.get_marker() == 'None'  # training keys: plain lines
    base_f1, stkd_f1 = f1_ax.lines
    np.testing.assert_array_equal(base_f1.get_xydata(), [[10, 0.4], [20, 0.8]])
    np.testing.assert_array_equal(stkd_f1.get_xydata(), [[10, 0.55]])
    assert base_f1.get_marker() == 'o'  # validation metrics: markers at evaluation steps
    assert [line.get_label() for line in f1_ax.lines] == ['baseline', 'stkd']
    assert base_loss.get_color() == base_f1.get_color() != stkd_f1.get_color()
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ['baseline', 'stkd']


def test_save_writes_png_of_the_figure_size_atomically(two_runs, tmp_path):
    fig = plot_curves(two_runs, ['loss', 'lr', 'IoU'])
    out = save_figure(fig, str(tmp_path / 'out' / 'curves.png'))
    assert out == str(tmp_path / 'out' / 'curves.png')
    width, height = fig.get_size_inches() * fig.dpi
    assert png_size(out) == (round(width), round(height)) == (800, 720)
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['curves.png']
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask


def test_labels_default_to_work_dirs_and_disambiguate_runs(tmp_path, two_runs):
    assert default_labels(two_runs) == ['baseline', 'stkd']
    same_dir = [load_run(write_run(tmp_path / 'w', ts, ITER_RUN)) for ts in ('t1', 't2')]
    assert default_labels(same_dir) == ['w/t1', 'w/t2']
    fig = plot_curves(two_runs, ['loss'], labels=['A', 'B'])
    assert [line.get_label() for line in fig.axes[0].lines] == ['A', 'B']
    with pytest.raises(ValueError, match='got 1 legend labels for 2 runs'):
        plot_curves(two_runs, ['loss'], labels=['A'])


def test_absent_key_names_the_run_and_its_keys(two_runs):
    with pytest.raises(KeyError, match="key 'weight_cd' is not logged in .*baseline/20260101_"
                       "000000/vis_data/scalars.json; training keys: data_time, loss, lr, time;"):
        plot_curves(two_runs, ['loss', 'weight_cd'])


def test_failed_save_keeps_the_previous_figure_and_no_temp_file(two_runs, tmp_path, monkeypatch):
    out = tmp_path / 'curves.png'
    out.write_bytes(b'previous')
    fig = plot_curves(two_runs, ['loss'])

    def broken_savefig(f, **kwargs):
        f.write(b'half a PNG')
        raise OSError('disk full')

    monkeypatch.setattr(fig, 'savefig', broken_savefig)
    with pytest.raises(OSError, match='disk full'):
        save_figure(fig, str(out))
    assert out.read_bytes() == b'previous'
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ['curves.png']


def test_format_follows_extension_and_directory_gets_curves_png(two_runs, tmp_path):
    fig = plot_curves(two_runs, ['loss'])
    with open(save_figure(fig, str(tmp_path / 'c.pdf')), 'rb') as f:
        assert f.read(5) == b'%PDF-'
    assert save_figure(fig, str(tmp_path)) == str(tmp_path / 'curves.png')
    assert png_size(tmp_path / 'curves.png') == (800, 240)
    with pytest.raises(ValueError, match=r"cannot write a figure as '.*c\.txt': use one of .*\.png"):
        save_figure(fig, str(tmp_path / 'c.txt'))
    assert not (tmp_path / 'c.txt').exists()
