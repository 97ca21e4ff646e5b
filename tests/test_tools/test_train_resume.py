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


@pytest.mark.slow
def test_kill_and_resume_reproduces_the_uninterrupted_run_bit_for_bit(tmp_path, synthetic_root):
    """The demo model (decode-head dropout 0.1, BN) with random crops and flips: 4 iterations in
    one go vs 2 (as if killed after the checkpoint at 2) + --resume to 4, same seed."""
    cfg = str(write_config(tmp_path / 'a.py', synthetic_root, iters=4,
                           extra='randomness = dict(seed=0, deterministic=True)'))
    run_tool('tools/train.py', cfg, '--work-dir', str(tmp_path / 'full'), cwd=REPO)
    run_tool('tools/train.py', cfg, '--work-dir', str(tmp_path / 'killed'),
             '--cfg-options', 'train_cfg.max_iters=2', cwd=REPO)
    out = run_tool('tools/train.py', cfg, '--work-dir', str(tmp_path / 'killed'), '--resume',
                   cwd=REPO)
    assert 'resumed epoch: 0, iter: 2' in out
    full = load_local_checkpoint(str(tmp_path / 'full' / 'iter_4.pth'))['state_dict']
    resumed = load_local_checkpoint(str(tmp_path / 'killed' / 'iter_4.pth'))['state_dict']
    assert full.keys() == resumed.keys()
    mismatched = [k for k in full if not torch.equal(full[k], resumed[k])]
    assert not mismatched, f'resume is not bit-exact: {mismatched[:5]}'
