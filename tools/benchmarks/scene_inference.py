"""Peak memory and throughput of large-scene inference on synthetic GeoTIFF pairs.

    flock /tmp/cdkd-heavy.lock python tools/benchmarks/scene_inference.py \
        [--runs tiny:2048 tiny:8192 pointwise:16384 ...] [--tile 512] [--overlap 64] \
        [--batch-size 4] [--work-dir /tmp/x]

For each run (predictor:size) it writes a synthetic co-registered 3-band uint8 pair (window by
window, so generating a 16k scene needs no 16k array), then runs ``cdkd.apis.infer_scene`` in a
fresh process and records the process's peak RSS and the throughput. Predictors:

* ``tiny``: the tiny test detector (``tests/test_models/tiny.py``: Siamese ResNet-18 layout with 8
  base channels, FPN head, random weights); memory does not depend on the weights.
* ``pointwise``: a per-pixel function without a network, which isolates the cost of the scene
  handling itself (windowed reads, blending, writing) so the largest scenes finish quickly on CPU.

Writes ``docs/benchmarks/scene_inference.md``.
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import platform
import resource
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STRIP = 512


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', metavar='PREDICTOR:SIZE',
                        default=['tiny:2048', 'tiny:8192', 'tiny:16384'])
    parser.add_argument('--tile', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--work-dir', default='/tmp/cdkd_scene_benchmark',
                        help='where the synthetic scenes and outputs go (deleted afterwards)')
    parser.add_argument('--out', default=osp.join(REPO, 'docs', 'benchmarks', 'scene_inference.md'))
    return parser.parse_args(argv)


def write_synthetic_pair(folder, size):
    """Two georeferenced 3-band uint8 GeoTIFFs of ``size`` x ``size``, written strip by strip:
    smooth texture at t1, the same plus bright rectangles (the changes) at t2."""
    import rasterio
    from rasterio.transform import from_origin
    profile = dict(driver='GTiff', width=size, height=size, count=3, dtype='uint8',
                   crs='EPSG:32633', transform=from_origin(500000, 4000000, 0.5, 0.5),
                   tiled=True, blockxsize=256, blockysize=256, compress='deflate')
    paths = [osp.join(folder, f'{size}_t{i}.tif') for i in (1, 2)]
    x = np.arange(size, dtype=np.float32)
    with rasterio.open(paths[0], 'w', **profile) as dst1, rasterio.open(paths[1], 'w', **profile) as dst2:
        for y0 in range(0, size, STRIP):
            y = np.arange(y0, min(size, y0 + STRIP), dtype=np.float32)[:, None]
            base = np.stack([96 + 60 * np.sin(x / (37 + 11 * b)) * np.cos(y / (53 + 7 * b))
                             for b in range(3)]).astype(np.uint8)
            changed = base.copy()
            rows = ((y[:, 0] // 300) % 4 == 1)[:, None] & ((x // 300) % 5 == 2)[None, :]
            changed[:, rows] = 230
            window = rasterio.windows.Window(0, y0, size, len(y))
            dst1.write(base, window=window)
            dst2.write(changed, window=window)
    return paths


def pointwise_probs(batch):
    """Change probability from the per-pixel band difference (no network)."""
    import torch
    return torch.sigmoid((batch[:, 3:].mean(1) - batch[:, :3].mean(1)) / 20.0)


def build_predictor(name):
    import torch
    if name == 'pointwise':
        return pointwise_probs
    sys.path.insert(0, REPO)
    from cdkd.apis import ChangeProbabilityNet
    from cdkd.registry import MODELS
    from cdkd.utils import register_all_modules
    from tests.test_models.tiny import tiny_detector
    register_all_modules()
    torch.manual_seed(0)
    return ChangeProbabilityNet(MODELS.build(tiny_detector()).eval()).eval()


def _run_scene(predictor, paths, out_path, args, queue):
    """Child process: build the predictor, run the scene, report peak RSS and timings."""
    import torch
    sys.path.insert(0, REPO)
    from cdkd.apis import infer_scene
    net = build_predictor(predictor)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with torch.no_grad():
        summary = infer_scene(net, *paths, out_path, tile=args.tile, overlap=args.overlap,
                              batch_size=args.batch_size, progress=False)
    summary.update(rss_before_mb=before,
                   peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   threads=torch.get_num_threads())
    queue.put(summary)


def measure(predictor, paths, out_path, args):
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_run_scene, args=(predictor, paths, out_path, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for run in args.runs:
        predictor, _, size = run.partition(':')
        if predictor not in ('tiny', 'pointwise') or not size.isdigit():
            raise ValueError(f'--runs {run!r}: expected tiny:SIZE or pointwise:SIZE')
        size = int(size)
        start = time.perf_counter()
        paths = write_synthetic_pair(args.work_dir, size)
        generated = time.perf_counter() - start
        out_path = osp.join(args.work_dir, f'{size}_change.tif')
        result = measure(predictor, paths, out_path, args)
        result.update(predictor=predictor, size=size, generate_s=generated,
                      input_mb=sum(osp.getsize(p) for p in paths) / 2**20,
                      raw_input_mb=2 * 3 * size * size / 2**20)
        rows.append(result)
        print(json.dumps(result), flush=True)
        for path in paths + [out_path]:
            os.remove(path)
    command = ('flock /tmp/cdkd-heavy.lock python tools/benchmarks/scene_inference.py --runs '
               f'{" ".join(args.runs)} --tile {args.tile} --overlap {args.overlap} '
               f'--batch-size {args.batch_size}')
    lines = ['# Large-scene inference: memory and throughput', '',
             f'`cdkd.apis.infer_scene` on synthetic co-registered 3-band uint8 GeoTIFF pairs, tile '
             f'{args.tile}, overlap {args.overlap}, batch {args.batch_size}, CPU '
             f'({platform.machine()}, {rows[0]["threads"]} torch threads, a machine shared with '
             'other jobs, so throughput is indicative). Predictors: `tiny` is the tiny test '
             'detector (`tests/test_models/tiny.py`: Siamese ResNet-18 layout with 8 base channels, '
             'FPN head, random weights); `pointwise` is a per-pixel function without a network, '
             'isolating the scene handling (windowed reads, blending, writing). Each scene runs in a fresh process; peak RSS is that process\'s '
             'maximum resident set, including Python, torch and mmseg (the "before" column).', '',
             '| predictor | scene | megapixels | raw input pair (MiB) | tiles | RSS before (MiB) | '
             'peak RSS (MiB) | seconds | megapixels / s |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f'| {r["predictor"]} | {r["size"]}x{r["size"]} | {r["size"] ** 2 / 1e6:.1f} | '
                     f'{r["raw_input_mb"]:.0f} | {r["tiles"]} | {r["rss_before_mb"]:.0f} | '
                     f'{r["peak_rss_mb"]:.0f} | {r["seconds"]:.1f} | {r["megapixels_per_s"]:.2f} |')
    lines += ['', 'Peak memory grows with the scene width (probability and weight accumulators '
              'of one strip of tile rows across the scene, plus one batch of input tiles), not '
              'with its area.', '',
              f'Command: `{command}`', '']
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    tmp = f'{args.out}.{os.getpid()}.partial'
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines))
    os.replace(tmp, args.out)
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
