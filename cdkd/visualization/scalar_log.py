"""Find and read the ``vis_data/scalars.json`` that mmengine writes for every training run.

mmengine's ``LoggerHook`` appends one JSON object per line to ``<work_dir>/<timestamp>/vis_data/
scalars.json``: a training line every ``interval`` iterations (``lr``, ``loss``, every logged loss
term, ``time``, ``data_time``, ``iter`` = global iteration, ``step`` = ``iter``, plus ``epoch`` in
epoch-based runs) and a validation line after each evaluation (the metric keys, ``time``,
``data_time`` and ``step``: the iteration, or the epoch when the hook logs metrics by epoch).
"""
import json
import math
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

SCALARS_FILE = 'scalars.json'
VIS_DATA_DIR = 'vis_data'
_NOT_PLOTTED = ('step', 'iter', 'epoch')


@dataclass
class Series:
    """One logged key: ``steps`` (training iterations) and the ``values`` logged there."""
    steps: List[float] = field(default_factory=list)
    values: List[float] = field(default_factory=list)


@dataclass
class RunLog:
    """The scalars of one run.

    Attributes:
        path: the scalars file read.
        work_dir: the run's work dir (``<work_dir>/<timestamp>/vis_data/scalars.json``), else the
            file's folder.
        name: the work dir's name (legend label).
        train: training keys -> series over iterations.
        val: validation keys -> series over the iteration at which they were evaluated.
        selected: which run of a work dir was read (``'<timestamp> (newest of 3 runs)'``),
            empty when a file or run dir was given.
        val_step_note: how validation epochs were put on the iteration axis, if they
            had to be (epoch-based runs), else ``None``.
    """
    path: str
    work_dir: str
    name: str
    train: Dict[str, Series] = field(default_factory=dict)
    val: Dict[str, Series] = field(default_factory=dict)
    selected: str = ''
    val_step_note: Optional[str] = None

    def series(self, key: str) -> Tuple[Series, bool]:
        """``(series, is_validation)`` of ``key``; training keys win (``time``, ``data_time``).

        Raises:
            KeyError: ``key`` was not logged in this run; the message lists the logged keys.
        """
        if key in self.train:
            return self.train[key], False
        if key in self.val:
            return self.val[key], True
        raise KeyError(f'key {key!r} is not logged in {self.path}; training keys: '
                       f'{", ".join(sorted(self.train)) or "none"}; validation keys: '
                       f'{", ".join(sorted(self.val)) or "none"}')

    def iteration_time_stats(self, include_first: bool = False) -> Dict[str, float]:
        """Seconds per iteration over the logged training intervals.

        Each training line's ``time`` is mmengine's mean over its logging interval. The first
        interval (data loader start-up, warm-up) is left out unless ``include_first``.

        Returns:
            dict with ``mean``, ``std``, ``slowest``, ``slowest_iter``, ``fastest``,
            ``fastest_iter`` (the iteration that ends the interval) and ``intervals``.
        """
        times = self.train.get('time')
        if times is None or not times.values:
            raise ValueError(f'{self.path} has no training line with a "time" entry')
        steps, values = np.asarray(times.steps), np.asarray(times.values)
        if not include_first and len(values) > 1:
            steps, values = steps[1:], values[1:]
        slow, fast = int(np.argmax(values)), int(np.argmin(values))
        return dict(mean=float(values.mean()), std=float(values.std()),
                    slowest=float(values[slow]), slowest_iter=int(steps[slow]),
                    fastest=float(values[fast]), fastest_iter=int(steps[fast]),
                    intervals=len(values))


def find_scalars_file(path: str) -> Tuple[str, str]:
    """Resolve a scalars file, a run (timestamp) dir or a work dir to one scalars file.

    A work dir may hold several runs (``<timestamp>/vis_data/scalars.json``, one per start or
    resume); the newest non-empty one is taken (mmengine's timestamps sort chronologically).

    Returns:
        ``(scalars_path, note)``: note says which run of how many was chosen (empty for a file or
        a run dir).

    Raises:
        FileNotFoundError: ``path`` does not exist, or no scalars file is under it.
    """
    if osp.isfile(path):
        return path, ''
    if not osp.isdir(path):
        raise FileNotFoundError(f'no such file or directory: {path}')
    for candidate in (osp.join(path, VIS_DATA_DIR, SCALARS_FILE), osp.join(path, SCALARS_FILE)):
        if osp.isfile(candidate):
            return candidate, ''
    runs = sorted(
        name for name in os.listdir(path)
        if osp.isfile(osp.join(path, name, VIS_DATA_DIR, SCALARS_FILE)))
    non_empty = [r for r in runs if osp.getsize(osp.join(path, r, VIS_DATA_DIR, SCALARS_FILE))]
    if not non_empty:
        what = f'only empty ones in {", ".join(runs)}' if runs else 'none'
        raise FileNotFoundError(
            f'no {SCALARS_FILE} found under {path} (looked for <run>/{VIS_DATA_DIR}/'
            f'{SCALARS_FILE}: {what}); pass a work dir of a training run or the file itself')
    newest = non_empty[-1]
    note = f'newest of {len(non_empty)} runs' if len(non_empty) > 1 else 'its only run'
    return osp.join(path, newest, VIS_DATA_DIR, SCALARS_FILE), f'{newest} ({note})'


def _work_dir_of(scalars_path: str) -> str:
    folder = osp.dirname(osp.abspath(scalars_path))
    if osp.basename(folder) == VIS_DATA_DIR:
        return osp.dirname(osp.dirname(folder))
    return folder


def _read_lines(path: str) -> List[dict]:
    records = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}:{lineno}: not a JSON object ({e.msg})') from None
            if not isinstance(record, dict) or 'step' not in record:
                raise ValueError(f'{path}:{lineno}: expected a JSON object with a "step" entry, '
                                 f'got {line.strip()[:80]!r}')
            records.append(record)
    if not records:
        raise ValueError(f'{path} is empty: the run logged nothing yet')
    return records


def _append(table: Dict[str, Series], record: dict, step: float) -> None:
    for key, value in record.items():
        if key in _NOT_PLOTTED or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        series = table.setdefault(key, Series())
        series.steps.append(step)
        series.values.append(float(value))


def _epoch_length_bounds(train_records: List[dict]) -> Tuple[int, Optional[int]]:
    """Epoch lengths ``N`` consistent with every training line (epoch ``e`` holds iterations
    ``(e-1)N+1 .. eN``): ``(smallest, largest)``, largest ``None`` when no line bounds it."""
    smallest = max(math.ceil(r['iter'] / r['epoch']) for r in train_records)
    later = [math.ceil(r['iter'] / (r['epoch'] - 1)) - 1 for r in train_records if r['epoch'] > 1]
    return smallest, min(later) if later else None


def load_run(path: str) -> RunLog:
    """Read one run's scalars (file, run dir or work dir, see :func:`find_scalars_file`).

    Training lines (those with ``iter``) go to ``train`` at their ``step``; the others go to
    ``val``. In epoch-based runs that log metrics by epoch (training lines carry ``epoch`` and
    no validation step exceeds the last logged epoch) a validation at epoch ``e`` is placed at
    iteration ``e * N``, ``N`` the smallest epoch length consistent with the training lines
    (``val_step_note`` says so, and gives the range of consistent lengths when not unique).

    Raises:
        FileNotFoundError: see :func:`find_scalars_file`.
        ValueError: a line is not a JSON object with ``step`` (file and line number named), or
            the file holds no line.
    """
    scalars_path, selected = find_scalars_file(path)
    records = _read_lines(scalars_path)
    work_dir = _work_dir_of(scalars_path)
    run = RunLog(path=scalars_path, work_dir=work_dir, name=osp.basename(work_dir),
                 selected=selected)
    train_records = [r for r in records if 'iter' in r]
    val_records = [r for r in records if 'iter' not in r]
    for record in train_records:
        _append(run.train, record, record['step'])

    by_epoch = bool(
        train_records and val_records and all('epoch' in r for r in train_records)
        and max(r['step'] for r in val_records) <= max(r['epoch'] for r in train_records))
    iters_per_epoch = 1
    if by_epoch:
        iters_per_epoch, largest = _epoch_length_bounds(train_records)
        span = '' if largest == iters_per_epoch else (
            f', which allow {iters_per_epoch} to {largest or "any more"}: the smallest is used')
        run.val_step_note = (f'validation logged by epoch: epoch e plotted at iteration '
                             f'e x {iters_per_epoch} (epoch length from the training lines{span})')
    for record in val_records:
        _append(run.val, record, record['step'] * iters_per_epoch)
    return run
