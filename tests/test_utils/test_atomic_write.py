import os

import pytest

from cdkd.utils.atomic_write import atomic_write_text


def test_text_replaces_the_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / 'new' / 'report.md'
    atomic_write_text(str(path), 'old')
    atomic_write_text(str(path), 'F1 0.93 ± 0.01\n')
    assert path.read_text(encoding='utf-8') == 'F1 0.93 ± 0.01\n'
    assert os.listdir(path.parent) == ['report.md']


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temp(tmp_path, monkeypatch):
    path = tmp_path / 'report.md'
    atomic_write_text(str(path), 'old')

    def crash(src, dst):
        raise OSError('simulated crash')

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(OSError, match='simulated'):
        atomic_write_text(str(path), 'new')
    assert path.read_text() == 'old' and os.listdir(tmp_path) == ['report.md']


def test_temp_files_of_dead_processes_are_removed_and_of_live_ones_kept(tmp_path):
    import subprocess
    import sys

    from cdkd.utils.atomic_write import remove_stale_temp_files, temp_path
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    stale = tmp_path / f'.best_F1_iter_400.pth.{dead.pid}.140.tmp'
    live = tmp_path / f'.iter_400.pth.{os.getppid()}.140.tmp'
    mine = temp_path(str(tmp_path / 'x.pth'))
    other = tmp_path / 'iter_400.pth'
    for path in (stale, live, mine, other):
        open(path, 'wb').close()
    assert remove_stale_temp_files(str(tmp_path)) == [str(stale)]
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, os.path.basename(mine), other.name])
