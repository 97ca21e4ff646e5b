"""``tools/train.py --resume`` end to end (slow: three training runs; the look-up itself is tested
fast in tests/test_utils/test_run_config.py): a copied work dir resumes from its own checkpoint
and leaves the original untouched; an empty work dir says that training starts from scratch."""
import os
import shutil

import pytest
import torch

from cdkd.datasets import generate_synthetic_cd
from cdkd.utils.compat import load_local_checkpoint

from .test_train_test_infer import REPO, run_tool, write_config


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    generate_synthetic_cd(str(root), dict(train=4, test=2), size=64, seed=5, progress=False)
    return str(root)


def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))
            if name.endswith('.pth') or name == 'last_checkpoint'}


@pytest.mark.slow
def test_resume_in_a_copied_work_dir_stays_in_the_copy(tmp_path, synthetic_root):
    original = tmp_path / 'original'
    run_tool('tools/train.py', str(write_config(tmp_path / 'a.py', synthetic_root, iters=4)),
             '--work-dir', str(original), cwd=REPO)
    before = snapshot(original)
    assert {'iter_4.pth', 'best_F1_iter_4.pth', 'last_checkpoint'} <= set(before)
    copy = tmp_path / 'copy'
    shutil.copytree(original, copy)
    # Make the next validation a new best, so the previous best is replaced (and removed).
    ckpt = load_local_checkpoint(str(copy / 'iter_4.pth'))
    ckpt['message_hub']['runtime_info']['best_score'] = -1.0
    torch.save(ckpt, str(copy / 'iter_4.pth'))

    out = run_tool('tools/train.py', str(write_config(tmp_path / 'b.py', synthetic_root, iters=6)),
                   '--work-dir', str(copy), '--resume', cwd=REPO)
    assert f'Resuming from {copy / "iter_4.pth"}' in out
    assert 'resumed epoch: 0, iter: 4' in out
    assert snapshot(original) == before
    assert (copy / 'last_checkpoint').read_text().strip() == str(copy / 'iter_6.pth')
    assert sorted(n for n in os.listdir(copy) if n.endswith('.pth')) == [
        'best_F1_iter_6.pth', 'iter_6.pth']


@pytest.mark.slow
def test_resume_in_an_empty_work_dir_says_training_starts_from_scratch(tmp_path,
                                                                       synthetic_root):
    work = tmp_path / 'empty'
    out = run_tool('tools/train.py', str(write_config(tmp_path / 'a.py', synthetic_root, iters=2)),
                   '--work-dir', str(work), '--resume', cwd=REPO)
    assert f'no checkpoint found in {work}' in out and 'training starts from scratch' in out
    assert 'latest checkpoint None' not in out
    assert (work / 'iter_2.pth').is_file()
