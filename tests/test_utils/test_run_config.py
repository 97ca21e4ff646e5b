import shutil

import pytest
from mmengine.config import Config

from cdkd.utils import run_config
from cdkd.utils.run_config import checkpoint_dir, latest_checkpoint


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr(run_config, 'print_log', lambda msg, **kwargs: messages.append(msg))
    return messages


def work_dir_with_checkpoint(folder, name='iter_4.pth'):
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b'checkpoint')
    (folder / 'last_checkpoint').write_text(str(folder / name))  # absolute, as mmengine writes it
    return folder


def test_empty_work_dir_says_training_starts_from_scratch(tmp_path, logged):
    assert latest_checkpoint(Config(dict(work_dir=str(tmp_path)))) is None
    out = ' '.join(logged)
    assert f'no checkpoint found in {tmp_path}' in out and 'starts from scratch' in out


def test_copied_work_dir_resumes_from_its_own_checkpoint(tmp_path, logged):
    original = work_dir_with_checkpoint(tmp_path / 'original')
    copy = tmp_path / 'copy'
    shutil.copytree(original, copy)
    assert (copy / 'last_checkpoint').read_text() == str(original / 'iter_4.pth')
    assert latest_checkpoint(Config(dict(work_dir=str(copy)))) == str(copy / 'iter_4.pth')
    assert f'Resuming from {copy / "iter_4.pth"}' in logged[0]


def test_work_dir_copied_without_its_checkpoint_is_an_error_naming_both(tmp_path):
    original = work_dir_with_checkpoint(tmp_path / 'original')
    copy = tmp_path / 'copy'
    copy.mkdir()
    shutil.copy(original / 'last_checkpoint', copy / 'last_checkpoint')
    with pytest.raises(FileNotFoundError, match='--resume CKPT') as err:
        latest_checkpoint(Config(dict(work_dir=str(copy))))
    assert str(original / 'iter_4.pth') in str(err.value) and str(copy) in str(err.value)


def test_checkpoint_hook_out_dir_is_followed(tmp_path):
    out_dir = tmp_path / 'ckpts'
    work = tmp_path / 'runs' / 'exp'
    work.mkdir(parents=True)
    work_dir_with_checkpoint(out_dir / 'exp')
    shutil.move(str(out_dir / 'exp' / 'last_checkpoint'), str(work / 'last_checkpoint'))
    cfg = Config(dict(work_dir=str(work) + '/',
                      default_hooks=dict(checkpoint=dict(out_dir=str(out_dir)))))
    assert checkpoint_dir(cfg) == str(out_dir / 'exp')
    assert latest_checkpoint(cfg) == str(out_dir / 'exp' / 'iter_4.pth')
