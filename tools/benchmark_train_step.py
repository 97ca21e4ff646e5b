"""Train-step throughput of a cdkd config through mmengine vs the same network in a bare torch loop.

    python tools/benchmark_train_step.py [--config CFG] [--batch 8] [--size 256] [--iters 10]

Prints the figures and writes ``docs/benchmarks/train_step.{json,md}``. Both loops run the same
modules on the same random batch with AdamW; the difference is cdkd/mmengine's overhead (data
preprocessor, loss parsing, optimizer wrapper).
"""
import argparse
import json
import os
import os.path as osp
import platform
import time

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.registry import MODELS
from cdkd.utils import register_all_modules

DEFAULT_CONFIG = 'configs/siamese/siamfpn_r18_128x128_500it_synthetic.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out-dir', default='docs/benchmarks')
    return parser.parse_args()


def random_batch(n, bands, size, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (bands, size, size), generator=g, dtype=torch.uint8))
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 2, (1, size, size), generator=g))
        s.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size)))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def timed(step, warmup, iters, device):
    for _ in range(warmup):
        step()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        step()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / iters


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device).train()
    bands = sum(model.temporal_bands)
    batch = random_batch(args.batch, bands, args.size)

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    framework_s = timed(lambda: model.train_step(batch, optim_wrapper), args.warmup, args.iters,
                        args.device)

    # Bare loop: same modules and optimiser settings, hand-written normalisation and loss. Like
    # the framework it moves the uint8 batch to the device and normalises it every step.
    pre = model.data_preprocessor
    images = torch.stack(batch['inputs'])
    labels = torch.cat([s.gt_sem_seg.data for s in batch['data_samples']])
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    opt_cls = getattr(torch.optim, opt_cfg.pop('type'))
    optimizer = opt_cls(model.parameters(), **opt_cfg)
    single_logit = model.out_channels == 1

    def bare_step():
        x = (images.to(args.device).float() - pre.mean) / pre.std
        y = labels.to(args.device)
        optimizer.zero_grad()
        logits = model.decode_head(model.extract_feat(x))
        logits = F.interpolate(logits, size=y.shape[-2:], mode='bilinear', align_corners=False)
        if single_logit:
            loss = F.binary_cross_entropy_with_logits(logits[:, 0], y.float())
        else:
            loss = F.cross_entropy(logits, y, ignore_index=255)
        loss.backward()
        optimizer.step()

    bare_s = timed(bare_step, args.warmup, args.iters, args.device)
    device_name = torch.cuda.get_device_name() if args.device.startswith('cuda') else \
        f'CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)'
    report = dict(config=args.config, device=device_name, batch=args.batch, size=args.size,
                  iters=args.iters, torch=torch.__version__,
                  framework_s_per_iter=framework_s, bare_s_per_iter=bare_s,
                  framework_pairs_per_s=args.batch / framework_s,
                  bare_pairs_per_s=args.batch / bare_s,
                  overhead_pct=100.0 * (framework_s - bare_s) / bare_s)
    os.makedirs(args.out_dir, exist_ok=True)
    tag = 'gpu' if args.device.startswith('cuda') else 'cpu'
    with open(osp.join(args.out_dir, f'train_step_{tag}.json'), 'w') as f:
        json.dump(report, f, indent=2)
    md = (f'# Train-step throughput ({device_name})\n\n'
          f'Config `{args.config}`, batch {args.batch}, {args.size}x{args.size}, mean of '
          f'{args.iters} steps after {args.warmup} warm-up steps, torch {torch.__version__}.\n\n'
          '| loop | s / iter | pairs / s |\n|---|---|---|\n'
          f'| cdkd (mmengine train_step) | {framework_s:.3f} | {report["framework_pairs_per_s"]:.2f} |\n'
          f'| bare torch loop, same modules | {bare_s:.3f} | {report["bare_pairs_per_s"]:.2f} |\n\n'
          f'Framework overhead: {report["overhead_pct"]:+.1f} %.\n\n'
          f'Command: `python tools/benchmark_train_step.py --config {args.config} --batch {args.batch} '
          f'--size {args.size} --iters {args.iters} --device {args.device}`\n')
    with open(osp.join(args.out_dir, f'train_step_{tag}.md'), 'w') as f:
        f.write(md)
    print(md)


if __name__ == '__main__':
    main()
