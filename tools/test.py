"""Test a cdkd checkpoint: ``python tools/test.py CONFIG CKPT [--tta] [--show-dir DIR] [--out DIR]``.

CKPT may be a ``.pth`` file or a work dir: then its best checkpoint (``best_*.pth``) is used, or the
last one it recorded. The checkpoint must fit the config's model exactly (keys and shapes; the
error names the mismatched keys): mmengine would load it non-strictly and score a partly random
model. ``--out`` and ``--show-dir`` must not be (inside) the data's image or label folders.
``--show-dir`` panels are written directly there as ``<sample name>.png``.
"""
import argparse
import copy
import os

from mmengine.config import DictAction
from mmengine.runner import Runner

from cdkd.apis import check_checkpoint_fits, resolve_checkpoint
from cdkd.registry import RUNNERS
from cdkd.utils import (check_loader_data, check_outputs_outside_data, load_run_config,
                        register_all_modules)
from cdkd.utils.dist import configure_cpu_distributed


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a change detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir holding checkpoints')
    parser.add_argument('--work-dir', help='the dir to save the evaluation log')
    parser.add_argument('--data-root', help='data root of every dataloader (nested datasets too)')
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
    args = parser.parse_args(argv)
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
        hook['out_dir'] = args.show_dir  # panels directly in DIR, not DIR/vis_data/vis_image
    return cfg


def use_tta_model(cfg):
    """Wrap ``cfg.model`` in ``cfg.tta_model``. mmengine's ``BaseTTAModel`` overwrites the
    wrapped model's ``data_preprocessor`` with its own, which the Runner fills from the config's
    top-level one; giving the wrapper the model's own keeps the model's statistics."""
    if 'tta_model' not in cfg:
        raise KeyError(f'--tta needs a tta_model in {cfg.filename} (e.g. the MSI model)')
    if 'tta_pipeline' in cfg:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    tta = copy.deepcopy(cfg.tta_model)
    tta.module = cfg.model
    if cfg.model.get('data_preprocessor') is not None:
        tta.data_preprocessor = copy.deepcopy(cfg.model.data_preprocessor)
    cfg.model = tta
    return cfg


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = load_run_config(args.config, args.launcher, args.cfg_options, args.work_dir,
                          args.data_root)
    cfg.load_from = resolve_checkpoint(args.checkpoint)
    check_loader_data(cfg, ('test_dataloader', ))
    check_outputs_outside_data(cfg, {'--out': args.out, '--show-dir': args.show_dir},
                               ('test_dataloader', ))

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        cfg = use_tta_model(cfg)
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
    if args.launcher != 'none':
        configure_cpu_distributed(cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    check_checkpoint_fits(runner.model, cfg.load_from, args.config)  # mmengine loads non-strictly
    runner.test()


if __name__ == '__main__':
    main()
