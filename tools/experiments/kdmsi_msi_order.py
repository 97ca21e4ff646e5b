"""How much the official MSI order changes the change map and the pseudo labels, on real crops.

    python tools/experiments/kdmsi_msi_order.py CONFIG CKPT [--threshold T] [--out FILE.json]

CONFIG / CKPT: a KD-MSI stage-1 config and checkpoint (file or work dir); the training images of
CONFIG (with its evaluation pipeline) are used. Two MSI maps of the student per image:

- official (cdkd's default now): PIL-like antialiased bicubic views, sigmoid on the stride-16
  map, bilinear upsample to the 16-rounded input size, crop, mean over scales x flips;
- earlier cdkd order: plain bicubic views, the logits bilinearly upsampled to the view size
  before the sigmoid, each resized straight to the input size, mean.

Prints and writes the mean / max absolute difference of the maps and the share of pixels whose
pseudo label (``M > T``, T from ``--threshold`` or 0.5) differs.
"""
import argparse
import copy
import json

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

from cdkd.apis import resolve_checkpoint
from cdkd.registry import MODELS
from cdkd.utils import register_all_modules


def earlier_order(student, x, scales):
    h, w = x.shape[-2:]
    total = 0
    for s in scales:
        v = F.interpolate(x, size=(round(h * s), round(w * s)), mode='bicubic',
                          align_corners=False)
        for flip in (False, True):
            view = v.flip(-1) if flip else v
            z = F.interpolate(student(view), size=view.shape[-2:], mode='bilinear',
                              align_corners=False)
            p = torch.sigmoid(z)
            p = p.flip(-1) if flip else p
            total = total + F.interpolate(p, size=(h, w), mode='bilinear',
                                          align_corners=False)[:, 0]
    return total / (2 * len(scales))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--threshold', type=float, default=0.5)
    parser.add_argument('--out')
    args = parser.parse_args()
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    tta_cfg = copy.deepcopy(cfg.tta_model)
    tta_cfg.module = copy.deepcopy(cfg.model)
    tta = MODELS.build(tta_cfg)
    load_checkpoint(tta.module, resolve_checkpoint(args.checkpoint), map_location='cpu')
    tta.eval()
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset.pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    loader = Runner.build_dataloader(dict(batch_size=1, num_workers=0, dataset=dataset,
                                          sampler=dict(type='DefaultSampler', shuffle=False)))
    diffs, maxes, flipped, pixels = [], [], 0, 0
    with torch.no_grad():
        for batch in loader:
            x = tta.module.data_preprocessor(batch, False)['inputs']
            official = tta.change_probability(x)
            old = earlier_order(tta.module.student, x, tta.scales)
            d = (official - old).abs()
            diffs.append(d.mean().item())
            maxes.append(d.max().item())
            flipped += int(((official > args.threshold) != (old > args.threshold)).sum())
            pixels += official.numel()
    result = dict(config=args.config, checkpoint=args.checkpoint, images=len(diffs),
                  threshold=args.threshold, mean_abs_diff=sum(diffs) / len(diffs),
                  max_abs_diff=max(maxes), pseudo_label_pixels_changed=flipped / pixels)
    print(json.dumps(result, indent=2))
    if args.out:
        from cdkd.utils.atomic_write import atomic_write_text
        atomic_write_text(args.out, json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
