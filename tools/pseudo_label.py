"""Write KD-MSI pseudo labels for the training images of a stage-1 config.

    python tools/pseudo_label.py CONFIG CKPT --out-dir DIR (--sweep | --threshold T) [--no-tta]
        [--image-labels LIST.csv | --no-gating]

The change map M is the config's ``tta_model`` (multiscale sigmoid inference for KD-MSI, MI for the
CAM baseline) around ``cfg.model`` unless ``--no-tta``. Labels are ``argmax([T, M])`` (change iff
M > T), written as ``DIR/label/<name>.png`` (0/255, the dataset layout), each file atomically.
``--sweep`` picks T in 0.00, 0.05, ..., 0.85 by the best mIoU against the training masks (the
official code's rule and grid); the sweep table goes to ``DIR/pseudo_label_report.{json,md}``.

Image-label gating (the official code's, on by default): every training image whose image-level
label is 0 gets an all-background label, and the sweep scores the gated maps. The label is derived
as in training, by the ``ImageLevelChangeLabel`` of the config's train pipeline applied to the
image's mask, or read from ``--image-labels LIST`` (``name,0/1`` lines, see
``cdkd/datasets/image_label_list.py``), which needs no masks: a purely weakly labelled training set
(``--cfg-options train_dataloader.dataset.data_prefix.seg_map_path=None``, with ``--threshold``).
``--no-gating`` keeps the ungated maps.
"""
import argparse
import copy

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from cdkd.apis import (choose_threshold, collect_probabilities, gate_by_image_labels,
                       load_weights_strictly, resolve_checkpoint, sweep_pseudo_label_thresholds,
                       write_pseudo_labels, write_report)
from cdkd.datasets.transforms import ImageLevelChangeLabel
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
    gating = parser.add_mutually_exclusive_group()
    gating.add_argument('--image-labels', metavar='LIST',
                        help='image-level labels, "name,0/1" per line (default: from the masks, '
                        "by the train pipeline's ImageLevelChangeLabel)")
    gating.add_argument('--no-gating', action='store_true',
                        help='do not zero the maps of no-change images (not the official code)')
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


def image_label_rule(cfg, label_file=None):
    """The ``ImageLevelChangeLabel`` of the config's train pipeline (the training rule), reading
    ``label_file`` instead of masks when given."""
    steps = [dict(t) for t in cfg.train_dataloader.dataset.get('pipeline', [])
             if t.get('type') in ('ImageLevelChangeLabel', ImageLevelChangeLabel)]
    if not steps and label_file is None:
        raise KeyError('the train pipeline has no ImageLevelChangeLabel to derive image labels '
                       'with; give --image-labels LIST or --no-gating')
    kwargs = {k: v for k, v in (steps[0] if steps else {}).items() if k != 'type'}
    if label_file is not None:
        kwargs['label_file'] = label_file
    return ImageLevelChangeLabel(**kwargs)


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
    rule = None if args.no_gating else image_label_rule(cfg, args.image_labels)
    results = collect_probabilities(model, training_images_loader(cfg, args.batch_size))
    if rule is None:
        source += ', ungated'
    else:
        gate_by_image_labels(results, rule)
        no_change = sum(1 for r in results.values() if not r['image_label'])
        source += (f', gated by image labels ({args.image_labels or "from the masks"}: '
                   f'{no_change} of {len(results)} images have label 0)')
        print(f'\n[pseudo_label] {no_change} of {len(results)} images have image label 0: '
              'all-background labels', flush=True)
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
