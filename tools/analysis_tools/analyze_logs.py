"""Training curves and iteration time from cdkd runs (mmseg's ``analyze_logs.py`` for cdkd).

    python tools/analysis_tools/analyze_logs.py plot_curve LOG [LOG ...] [--keys loss F1]
        [--legend NAME ...] [--title TITLE] [--out curves.png]
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG [LOG ...] [--include-outliers]

LOG is a run's ``vis_data/scalars.json``, a run (timestamp) dir, or a work dir (its newest run).
Training keys (``loss``, ``decode.loss_ce``, ``kd_out``, ``weight_cd``, ``lr``, ...) are drawn
over iterations, validation metrics (``F1``, ``IoU``, ``OA``, ``Kappa``, ...) with markers at the
iteration they were evaluated at; one subplot per key, one line per run.
"""
import argparse
import os.path as osp
import sys

from cdkd.visualization.log_curves import default_labels, plot_curves, save_figure
from cdkd.visualization.scalar_log import load_run

DEFAULT_CURVES = 'curves.png'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='draw logged keys of one or more runs to a PNG')
    plot.add_argument('logs', nargs='+', metavar='LOG',
                      help='scalars.json, run dir or work dir (newest run); several to compare')
    plot.add_argument('--keys', nargs='+', default=None,
                      help='logged keys, one subplot each (default: loss, plus F1 when every run '
                      'logged it)')
    plot.add_argument('--legend', nargs='+', default=None,
                      help='one label per run (default: the work dir names)')
    plot.add_argument('--title', default=None, help='figure title')
    plot.add_argument('--out', default=None,
                      help='output figure, format by extension (.png, .pdf, .svg; default: '
                      f'<first work dir>/{DEFAULT_CURVES})')
    timing = sub.add_parser('cal_train_time', help='print the average time per iteration')
    timing.add_argument('logs', nargs='+', metavar='LOG',
                        help='scalars.json, run dir or work dir (newest run)')
    timing.add_argument('--include-outliers', action='store_true',
                        help='keep the first logged interval (start-up) in the statistics')
    return parser.parse_args(argv)


def load_runs(logs):
    runs = []
    for log in logs:
        run = load_run(log)
        print(f'{log}: using {run.selected}' if run.selected else f'{log}: reading {run.path}')
        if run.val_step_note:
            print(f'  {run.val_step_note}')
        runs.append(run)
    return runs


def plot_curve(args) -> str:
    runs = load_runs(args.logs)
    keys = args.keys
    if keys is None:
        keys = ['loss'] + (['F1'] if all('F1' in run.val for run in runs) else [])
    fig = plot_curves(runs, keys, labels=args.legend, title=args.title)
    out = args.out or osp.join(runs[0].work_dir, DEFAULT_CURVES)
    labels = args.legend or default_labels(runs)
    out = save_figure(fig, out)
    print(f'wrote {out}: {", ".join(keys)} of {", ".join(labels)}')
    return out


def cal_train_time(args) -> None:
    for run in load_runs(args.logs):
        stats = run.iteration_time_stats(include_first=args.include_outliers)
        print(f'-----Analyze train time of {run.path}-----')
        print(f'slowest interval (ending at iter {stats["slowest_iter"]}): '
              f'{stats["slowest"]:.4f} s/iter')
        print(f'fastest interval (ending at iter {stats["fastest_iter"]}): '
              f'{stats["fastest"]:.4f} s/iter')
        print(f'time std over {stats["intervals"]} intervals: {stats["std"]:.4f}')
        print(f'average iter time: {stats["mean"]:.4f} s/iter')


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.task == 'plot_curve':
            plot_curve(args)
        else:
            cal_train_time(args)
    except (FileNotFoundError, KeyError, ValueError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        sys.exit(f'error: {message}')


if __name__ == '__main__':
    main()
