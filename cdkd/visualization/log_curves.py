"""Training curves of one or more runs: one subplot per logged key, one line per run.

Drawn on a bare Agg canvas (no pyplot), so it works headless and leaves the caller's matplotlib
backend alone.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .scalar_log import RunLog

FIG_WIDTH_IN = 8.0
SUBPLOT_HEIGHT_IN = 2.4
DPI = 100


def default_labels(runs: Sequence[RunLog]) -> List[str]:
    """The work dir names; ``work_dir/<timestamp>`` (or ``/<file>``) when two runs share one."""
    names = [run.name for run in runs]
    if len(set(names)) == len(names):
        return names
    return [f'{run.name}/{osp.relpath(run.path, run.work_dir).split(os.sep)[0]}' for run in runs]


def plot_curves(runs: Sequence[RunLog],
                keys: Sequence[str],
                labels: Optional[Sequence[str]] = None,
                title: Optional[str] = None) -> Figure:
    """Draw ``keys`` of ``runs``: training keys as lines over iterations, validation metrics
    with markers at the iteration they were evaluated at. Subplots share the x axis; a run keeps
    its colour in every subplot (legend in the top one).

    Args:
        runs: the runs, e.g. from :func:`cdkd.visualization.load_run`.
        keys: logged keys, one subplot each (``loss``, ``decode.loss_ce``, ``lr``, ``F1``, ...).
        labels: legend label per run. Defaults to :func:`default_labels`.
        title: figure title.

    Returns:
        the figure (``fig.axes[i].lines[j]`` is run ``j``'s curve of ``keys[i]``).

    Raises:
        ValueError: no run or key, or ``labels`` not one per run.
        KeyError: a key is not logged in a run (the message lists that run's keys).
    """
    if not runs or not keys:
        raise ValueError('need at least one run and one key to plot')
    labels = list(labels) if labels is not None else default_labels(runs)
    if len(labels) != len(runs):
        raise ValueError(f'got {len(labels)} legend labels for {len(runs)} runs; give one per run')
    series = [[run.series(key) for run in runs] for key in keys]  # every KeyError before drawing

    fig = Figure(figsize=(FIG_WIDTH_IN, SUBPLOT_HEIGHT_IN * len(keys)), dpi=DPI,
                 layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    colours = [f'C{i % 10}' for i in range(len(runs))]
    for ax, key, key_series in zip(axes, keys, series):
        for (s, is_val), label, colour in zip(key_series, labels, colours):
            style = dict(marker='o', markersize=4) if is_val else dict(linewidth=1.2)
            ax.plot(s.steps, s.values, label=label, color=colour, **style)
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize='small')
    axes[-1].set_xlabel('iteration')
    if title:
        fig.suptitle(title)
    return fig


def save_figure(fig: Figure, out_path: str) -> str:
    """Write ``fig`` to ``out_path`` atomically (temp file + rename); returns the absolute path.

    The format follows the extension (``.png``, ``.pdf``, ``.svg``, ...); an existing directory
    gets ``curves.png`` inside it.

    Raises:
        ValueError: an extension matplotlib cannot write.
    """
    out_path = osp.abspath(out_path)
    if osp.isdir(out_path):
        out_path = osp.join(out_path, 'curves.png')
    extension = osp.splitext(out_path)[1].lower()
    supported = fig.canvas.get_supported_filetypes()
    if extension[1:] not in supported:
        raise ValueError(f'cannot write a figure as {out_path!r}: use one of '
                         f'{", ".join("." + e for e in sorted(supported))}')
    folder = osp.dirname(out_path)
    os.makedirs(folder, exist_ok=True)
    # A plain open (not mkstemp's 0600) so the figure gets the usual umask permissions.
    tmp = osp.join(folder, f'.{osp.basename(out_path)}.tmp-{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            fig.savefig(f, format=extension[1:], dpi=fig.dpi)
        os.replace(tmp, out_path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return out_path
