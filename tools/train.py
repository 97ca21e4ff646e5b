"""Train a cdkd model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]``.

Every ``Pretrained`` checkpoint of the model (ImageNet backbones) is fetched or found in torch's
hub cache before anything is built; training stops there with instructions when one is missing
(``--no-pretrained`` trains from random initialisation deliberately). See docs/pretrained.md.
"""
import argparse
import logging
import os
import sys

from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from cdkd.registry import RUNNERS
from cdkd.utils import check_loader_data, load_run_config, register_all_modules
from cdkd.utils.dist import configure_cpu_distributed
from cdkd.utils.run_config import latest_checkpoint
from cdkd.utils.pretrained import (PretrainedWeightsUnavailable, check_pretrained_weights,
                                   drop_pretrained_inits, inline_model_files)
from cdkd.utils.train_options import (AMP_DTYPES, amp_unavailable_reason, enable_amp,
                                      to_channels_last)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a change detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work dir if no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (CUDA GPU; mmengine AmpOptimWrapper)')
    parser.add_argument('--amp-dtype', choices=AMP_DTYPES, default='float16',
                        help='autocast dtype of --amp (float16 with a dynamic loss scale)')
    parser.add_argument('--channels-last', action='store_true',
                        help='convert the model to channels_last (NHWC) memory format '
                        '(or set channels_last = True in the config)')
    parser.add_argument('--no-pretrained', action='store_true',
                        help='train from random initialisation: drop every Pretrained init_cfg '
                        '(ImageNet weights) of the model')
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


def check_amp_request(args) -> None:
    """Refuse --amp before building anything where it cannot run (no CUDA device)."""
    if args.amp:
        reason = amp_unavailable_reason(args.amp_dtype)
        if reason is not None:
            sys.exit(f'tools/train.py: {reason}')


def apply_device_options(cfg, args) -> None:
    """--amp and --channels-last."""
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    if args.channels_last:
        cfg.channels_last = True


def prepare_pretrained(cfg, no_pretrained: bool) -> None:
    """Drop the Pretrained inits (--no-pretrained) or make sure their files are here."""
    inline_model_files(cfg.model)  # a student named by cfg_path: its inits are seen too
    if no_pretrained:
        dropped = drop_pretrained_inits(cfg.model)
        print_log(f'--no-pretrained: {dropped} Pretrained init(s) dropped, training from random '
                  'initialisation', logger='current', level=logging.WARNING)
        return
    try:
        check_pretrained_weights(cfg.model)
    except PretrainedWeightsUnavailable as err:
        sys.exit(f'tools/train.py: {err}')


def main():
    args = parse_args()
    check_amp_request(args)
    register_all_modules(init_default_scope=False)
    cfg = load_run_config(args.config, args.launcher, args.cfg_options, args.work_dir,
                          args.data_root)
    apply_device_options(cfg, args)
    prepare_pretrained(cfg, args.no_pretrained)  # before the data: a missing checkpoint is named first
    check_loader_data(cfg, ('train_dataloader', 'val_dataloader'))

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
    if cfg.get('channels_last', False):
        # after wrapping: under DDP the grads' layout then differs from DDP's buckets (slower)
        to_channels_last(runner.model)
    runner.train()


if __name__ == '__main__':
    main()
