"""Test a cdkd checkpoint: ``python tools/test.py CONFIG CKPT [--tta] [--show-dir DIR] [--out DIR]``.

CKPT may be a ``.pth`` file or a work dir: then its best checkpoint (``best_*.pth``) is used, or the
last one it recorded.
"""
import argparse
import os

from mmengine.config import DictAction
from mmengine.runner import Runner

from cdkd.apis import resolve_checkpoint
from cdkd.registry import RUNNERS
from cdkd.utils import load_run_config, register_all_modules
from cdkd.utils.dist import configure_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a change detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir holding checkpoints')
    parser.add_argument('--work-dir', help='the dir to save the evaluation log')
    parser.add_argument('--out', help='dir to save the predicted change masks (0/255 PNG)')
    parser.add_argument('--show', action='store_true', help='show prediction panels')
    parser.add_argument('--show-dir', help='dir to save A | B | GT | prediction panels')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=4')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none', help='job launcher')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation (cfg.tta_model)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError('--show/--show-dir need default_hooks.visualization '
                           '(type="ChangeVisualizationHook") in the config')
    hook = default_hooks['visualization']
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = load_run_config(args.config, args.launcher, args.cfg_options, args.work_dir)
    cfg.load_from = resolve_checkpoint(args.checkpoint)

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        if 'tta_model' not in cfg:
            raise KeyError(f'--tta needs a tta_model in {args.config} (e.g. the MSI model)')
        if 'tta_pipeline' in cfg:
            cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
    if args.launcher != 'none':
        configure_cpu_distributed(cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.test()


if __name__ == '__main__':
    main()
