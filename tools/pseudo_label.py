"""Write KD-MSI pseudo labels for the training images of a stage-1 config.

    python tools/pseudo_label.py CONFIG CKPT --out-dir DIR (--sweep | --threshold T) [--no-tta]

The change map M is the config's ``tta_model`` (multiscale sigmoid inference for KD-MSI, MI for the
CAM baseline) around ``cfg.model`` unless ``--no-tta``. Labels are ``argmax([T, M])`` (change iff
M > T), written as ``DIR/label/<name>.png`` (0/255, the dataset layout), each file atomically.
``--sweep`` picks T in 0.00, 0.05, ..., 0.90 by the best mIoU against the training masks (the
official code's rule); the sweep table goes to ``DIR/pseudo_label_report.{json,md}``.
"""
import argparse
import copy

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from cdkd.apis import (choose_threshold, collect_probabilities, load_weights_strictly,
                       resolve_checkpoint, sweep_pseudo_label_thresholds, write_pseudo_labels,
                       write_report)
from cdkd.registry import MODELS
from cdkd.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description='KD-MSI pseudo labels for the training set')
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir holding checkpoints')
    parser.add_argument('--out-dir', required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--threshold', type=float, help='background threshold T')
    group.add_argument('--sweep', action='store_true', help='choose T by the best training mIoU')
    parser.add_argument('--no-tta', action='store_true', help='single-scale map of cfg.model')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def build_model(cfg, use_tta):
    if use_tta:
        if 'tta_model' not in cfg:
            raise KeyError('the config has no tta_model; add one or pass --no-tta')
        model_cfg = copy.deepcopy(cfg.tta_model)
        model_cfg.module = copy.deepcopy(cfg.model)
    else:
        model_cfg = copy.deepcopy(cfg.model)
    return MODELS.build(model_cfg)


def training_images_loader(cfg, batch_size):
    """The training dataset with the evaluation pipeline (no augmentation, masks loaded)."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset.pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    return Runner.build_dataloader(dict(
        batch_size=batch_size, num_workers=0, dataset=dataset,
        sampler=dict(type='DefaultSampler', shuffle=False)))


def main():
    args = parse_args()
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = build_model(cfg, not args.no_tta)
    checkpoint = resolve_checkpoint(args.checkpoint)
    load_weights_strictly(model, checkpoint, args.config)  # mismatched keys: an error naming them
    source = f'{args.config} @ {checkpoint}, ' + ('single scale' if args.no_tta else
                                                    f'tta {cfg.tta_model.get("mode", "")}')
    print(f'[pseudo_label] predicting the training images ({source})', flush=True)
    results = collect_probabilities(model, training_images_loader(cfg, args.batch_size))
    scores = None
    if args.sweep:
        scores = sweep_pseudo_label_thresholds(results)
        threshold = choose_threshold(scores, 'mIoU')
        print(f'\n[pseudo_label] best mIoU {scores[threshold]["mIoU"]:.4f} at threshold '
              f'{threshold:.2f} (change IoU {scores[threshold]["IoU"]:.4f})', flush=True)
    else:
        threshold = args.threshold
    print(f'\n[pseudo_label] writing {len(results)} labels to {args.out_dir}/label', flush=True)
    write_pseudo_labels(results, threshold, args.out_dir)
    write_report(args.out_dir, threshold, scores, source)
    print(f'\n[pseudo_label] done; report: {args.out_dir}/pseudo_label_report.md', flush=True)


if __name__ == '__main__':
    main()
