"""Train a cdkd model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]``."""
import argparse
import logging
import os

from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from cdkd.registry import RUNNERS
from cdkd.utils import check_loader_data, load_run_config, register_all_modules
from cdkd.utils.dist import configure_cpu_distributed
from cdkd.utils.run_config import latest_checkpoint


def parse_args():
    parser = argparse.ArgumentParser(description='Train a change detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work dir if no path is given')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision (GPU)')
    parser.add_argument(
        '--data-root', help='data root of every dataloader (train, val, test; nested datasets too)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = load_run_config(args.config, args.launcher, args.cfg_options, args.work_dir,
                          args.data_root)
    check_loader_data(cfg, ('train_dataloader', 'val_dataloader'))

    if args.amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print_log('AMP is already enabled in the config.', logger='current', level=logging.WARNING)
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if cfg.get('resume') and cfg.get('load_from') is None:  # instead of mmengine's look-up
        cfg.load_from = latest_checkpoint(cfg)
        cfg.resume = cfg.load_from is not None

    if args.launcher != 'none':
        configure_cpu_distributed(cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
