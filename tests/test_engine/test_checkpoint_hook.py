"""cdkd's CheckpointHook in real mmengine runs of a tiny model with BN and dropout: kill + resume
is bit-exact, diverged weights are refused, the best checkpoint survives a kill, and a run resumed
in a copied work dir stays inside it."""
import glob
import itertools
import os
import os.path as osp
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import cdkd.utils.compat as compat
from cdkd.engine.hooks import CheckpointHook

_RUN_IDS = itertools.count()


class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5),
                                 nn.Linear(16, 1))

    def forward(self, inputs, targets=None, mode='tensor'):
        out = self.net(inputs).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - targets) ** 2).mean())
        return list(zip(out, targets))


class ToyDataset(Dataset):
    """Augmented in the main process with all three global generators (``num_workers=0``)."""

    def __init__(self, n=24):
        gen = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 4, generator=gen)
        self.y = self.x.sum(1)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i] + float(np.random.normal(0, 0.1)) + 0.1 * torch.randn(4)
        if random.random() < 0.5:
            x = x.flip(0)
        return dict(inputs=x, targets=self.y[i])


class ImprovingMetric(BaseMetric):
    """Better at every evaluation, so every validation saves a new best checkpoint."""
    calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(len(data_samples))

    def compute_metrics(self, results):
        ImprovingMetric.calls += 1
        return dict(score=float(ImprovingMetric.calls))


class Killed(Exception):
    pass


class KillAfter(Hook):
    """Raise after iteration ``n`` (1-based), once the checkpoint hook is done with it."""
    priority = 'LOWEST'

    def __init__(self, n):
        self.n = n

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.n:
            raise Killed(f'killed after iteration {self.n}')


class KillAfterEpoch(Hook):
    priority = 'LOWEST'

    def __init__(self, n):
        self.n = n

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.n:
            raise Killed(f'killed after epoch {self.n}')


class CorruptBuffer(Hook):
    """After iteration ``n`` make a BN running variance infinite, while the loss stays finite."""
    priority = 'NORMAL'

    def __init__(self, n):
        self.n = n

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.n:
            runner.model.net[1].running_var[3] = float('inf')


@pytest.fixture(autouse=True)
def restore_determinism():
    yield  # the runs set deterministic=True, which is process-wide
    torch.use_deterministic_algorithms(False)


def make_runner(work_dir, max_iters=8, interval=2, val_interval=2, hooks=(), resume=False,
                save_best='score', max_keep_ckpts=-1, max_epochs=None):
    """An iteration-based run (or with ``max_epochs`` an epoch-based one, counted in epochs)."""
    run = next(_RUN_IDS)
    torch.manual_seed(0)  # the same initial weights in every run
    model = ToyModel()
    loader = dict(batch_size=4, num_workers=0, collate_fn=dict(type='default_collate'))
    return Runner(
        model=model, work_dir=str(work_dir), experiment_name=f'toy_{os.getpid()}_{run}',
        train_dataloader=dict(dataset=ToyDataset(), sampler=dict(
            type='InfiniteSampler' if max_epochs is None else 'DefaultSampler'), **loader),
        val_dataloader=dict(dataset=ToyDataset(8), sampler=dict(type='DefaultSampler',
                                                                shuffle=False), **loader),
        val_evaluator=[ImprovingMetric()], val_cfg=dict(type='ValLoop'),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
        if max_epochs is None else dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                                        val_interval=val_interval),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        param_scheduler=dict(type='PolyLR', power=1.0, eta_min=0.0, begin=0,
                             end=max_iters if max_epochs is None else max_epochs,
                             by_epoch=max_epochs is not None),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=max_epochs is not None,
                                           interval=interval, save_best=save_best,
                                           rule='greater', max_keep_ckpts=max_keep_ckpts),
                           logger=dict(type='LoggerHook', interval=100)),
        custom_hooks=list(hooks), randomness=dict(seed=0, deterministic=True), resume=resume,
        default_scope='cdkd', log_level='WARNING',
        visualizer=dict(type='Visualizer', name=f'toy_vis_{os.getpid()}_{run}'))


def weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def test_config_name_builds_cdkd_hook(tmp_path):
    runner = make_runner(tmp_path)
    assert [type(h) for h in runner.hooks if isinstance(h, CheckpointHook)] == [CheckpointHook]


def test_kill_and_resume_is_bit_exact_with_dropout_and_augmentation(tmp_path):
    full = make_runner(tmp_path / 'full')
    full.train()
    expected = weights(full)

    # Killed after iteration 5: the last checkpoint is iter_4 (saved, then re-saved after the
    # validation at 4 found a new best); iteration 5 is redone after the resume.
    killed = make_runner(tmp_path / 'killed', hooks=[KillAfter(5)])
    with pytest.raises(Killed):
        killed.train()
    assert open(tmp_path / 'killed' / 'last_checkpoint').read().endswith('iter_4.pth')
    resumed = make_runner(tmp_path / 'killed', resume=True)
    resumed.train()
    assert resumed.iter == 8
    got = weights(resumed)
    mismatched = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not mismatched, f'resume is not bit-exact for {mismatched}'


def test_kill_and_resume_of_an_epoch_based_run_is_bit_exact(tmp_path):
    full = make_runner(tmp_path / 'full', max_epochs=3, interval=1, val_interval=1)
    full.train()
    killed = make_runner(tmp_path / 'killed', max_epochs=3, interval=1, val_interval=1,
                         hooks=[KillAfterEpoch(2)])
    with pytest.raises(Killed):
        killed.train()
    resumed = make_runner(tmp_path / 'killed', max_epochs=3, interval=1, val_interval=1,
                          resume=True)
    resumed.train()
    assert resumed.epoch == 3
    expected, got = weights(full), weights(resumed)
    assert not [k for k in expected if not torch.equal(expected[k], got[k])]


def test_validation_leaves_the_generators_as_it_found_them(tmp_path):
    runner = make_runner(tmp_path, max_iters=2)
    runner.train()
    before = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    runner.val()
    after = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    assert torch.equal(before[0], after[0]) and (before[1] == after[1]).all()
    assert before[2] == after[2]


@pytest.mark.parametrize('case', [
    dict(interval=2, val_interval=100, max_iters=4),    # the interval checkpoint
    dict(interval=100, val_interval=100, max_iters=2),  # the last checkpoint
    dict(interval=100, val_interval=2, max_iters=4),    # the best checkpoint
])
def test_non_finite_buffers_are_never_saved(tmp_path, case):
    runner = make_runner(tmp_path, hooks=[CorruptBuffer(2)], **case)
    with pytest.raises(FloatingPointError, match=r'net\.1\.running_var \(1 of 16 nan/inf\)'):
        runner.train()
    assert glob.glob(str(tmp_path / '*.pth')) == []
    assert not (tmp_path / 'last_checkpoint').exists()


def test_a_kill_while_saving_the_new_best_keeps_the_old_best(tmp_path, monkeypatch):
    real_save = torch.save

    def killed_while_saving_best(obj, f, *args, **kwargs):
        if osp.basename(f.name).startswith('.best_score_iter_4.pth'):
            f.write(b'half a checkpoint')
            raise Killed('killed while saving the best checkpoint')
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', killed_while_saving_best)
    runner = make_runner(tmp_path, interval=100, max_iters=8)
    with pytest.raises(Killed):
        runner.train()
    best = glob.glob(str(tmp_path / 'best_*.pth'))
    assert [osp.basename(p) for p in best] == ['best_score_iter_2.pth']
    assert 'state_dict' in compat.load_local_checkpoint(best[0])


def test_the_old_best_is_removed_only_after_the_new_one_is_written(tmp_path, monkeypatch):
    removed = []

    def remove(self, path):
        removed.append((osp.basename(path), sorted(os.listdir(tmp_path))))
        os.remove(path)

    monkeypatch.setattr('mmengine.fileio.backends.LocalBackend.remove', remove)
    make_runner(tmp_path, interval=100, max_iters=4).train()
    assert removed and removed[0][0] == 'best_score_iter_2.pth'
    assert 'best_score_iter_4.pth' in removed[0][1]
    assert [osp.basename(p) for p in glob.glob(str(tmp_path / 'best_*.pth'))] == [
        'best_score_iter_4.pth']


def test_stale_temp_files_of_dead_processes_are_removed_on_start(tmp_path):
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    stale = tmp_path / f'.best_score_iter_2.pth.{dead.pid}.1.tmp'
    live = tmp_path / f'.iter_2.pth.{os.getppid()}.1.tmp'
    unrelated = tmp_path / f'.notes.{dead.pid}.tmp'
    for path in (stale, live, unrelated):
        path.write_bytes(b'partial')
    make_runner(tmp_path, max_iters=1, interval=100, val_interval=100).train()
    assert not stale.exists() and live.exists() and unrelated.exists()


def test_resume_in_a_copied_work_dir_leaves_the_original_untouched(tmp_path):
    original = tmp_path / 'original'
    make_runner(original, max_iters=4, max_keep_ckpts=1).train()
    before = {name: (original / name).read_bytes() for name in os.listdir(original)
              if name.endswith('.pth') or name == 'last_checkpoint'}
    assert 'best_score_iter_4.pth' in before and 'iter_4.pth' in before
    copy = tmp_path / 'copy'
    shutil.copytree(original, copy)

    # Resuming the copy at iteration 4 finds a new best at 6 and 8 and rotates iter_*.pth.
    resumed = make_runner(copy, max_iters=8, max_keep_ckpts=1, resume=True)
    hook = next(h for h in resumed.hooks if type(h).__name__ == 'CheckpointHook')
    resumed.train()
    after = {name: (original / name).read_bytes() for name in os.listdir(original)
             if name.endswith('.pth') or name == 'last_checkpoint'}
    assert after == before
    assert hook.best_ckpt_path == str(copy / 'best_score_iter_8.pth')
    assert sorted(p for p in os.listdir(copy) if p.endswith('.pth')) == [
        'best_score_iter_8.pth', 'iter_8.pth']


def test_a_best_path_outside_the_checkpoint_folder_is_never_removed(tmp_path):
    outside = tmp_path / 'elsewhere' / 'best_score_iter_2.pth'
    outside.parent.mkdir()
    outside.write_bytes(b'someone else\'s checkpoint')
    runner = make_runner(tmp_path / 'run', max_iters=2, val_interval=2)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'CheckpointHook')
    runner.train()
    hook.best_ckpt_path = str(outside)  # e.g. set by a message hub of another work dir
    hook._save_best_checkpoint(runner, dict(score=1e9))
    assert outside.read_bytes() == b'someone else\'s checkpoint'
