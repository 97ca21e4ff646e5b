"""Teacher vs student: parameters, FLOPs, CPU latency at batch 1, throughput and large-scene
inference speed of the deployed networks (a script, not a test).

    python tools/benchmarks/teacher_student.py \
        --model teacher=configs/siamese/siamdlv3p_r50_256x256_40k_levircd.py[:CKPT] \
        --model student=configs/compression/siamfpn_mnv2_256x256_40k_levircd.py[:CKPT] \
        [--size 256] [--batch 8] [--iters 10] [--scene 2048] [--threads 1] [--device cpu|cuda]
        [--out-dir DIR]

Each network is what tools/export_onnx.py exports (``ChangeProbabilityNet``: raw bands -> change
probability; a distiller config gives its student). Weights do not change the speed, so the
checkpoint is optional. Parameters and FLOPs are tools/benchmark.py's count (mmengine's
FlopAnalyzer, one multiply-add = one FLOP; the parameters of the modules the forward calls) at
``--size``.
Scene inference (needs rasterio) runs ``cdkd.apis.infer_scene`` on a synthetic ``--scene`` pair
with 512-pixel tiles and 64 overlap (CPU only). Writes ``teacher_student_{cpu,gpu}.{md,json}``.
"""
import argparse
import copy
import json
import os
import os.path as osp
import platform
import sys
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', nargs='+', required=True, metavar='NAME=CONFIG[:CKPT]')
    parser.add_argument('--size', type=int, default=256, help='square input size')
    parser.add_argument('--batch', type=int, default=8, help='batch of the throughput run')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--scene', type=int, default=2048, help='scene side (0: skip)')
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    parser.add_argument('--device', default='cpu', help="'cpu' or a CUDA device")
    parser.add_argument('--out-dir', default=osp.join(REPO, 'docs', 'benchmarks'))
    args = parser.parse_args(argv)
    args.models = {}
    for item in args.model:
        name, sep, spec = item.partition('=')
        config, _, ckpt = spec.partition(':')
        if not sep or not osp.isfile(config) or (ckpt and not osp.isfile(ckpt)):
            parser.error(f'--model {item!r}: expected NAME=CONFIG[:CKPT] with existing files')
        args.models[name] = (config, ckpt or None)
    return args


def load_network(config: str, checkpoint=None) -> torch.nn.Module:
    """The deployed ``ChangeProbabilityNet`` of a config (a distiller's student)."""
    from mmengine.config import Config

    from cdkd.apis import ChangeProbabilityNet, init_model
    cfg = Config.fromfile(config)
    if cfg.model.type == 'TeacherStudentDistiller' and checkpoint is None:
        for teacher in (cfg.model.teacher if isinstance(cfg.model.teacher, list)
                        else [cfg.model.teacher]):
            teacher.checkpoint = None  # only the student is timed
    return ChangeProbabilityNet(init_model(cfg, checkpoint)).eval()


def complexity(net: torch.nn.Module, bands: int, size: int) -> dict:
    """Parameters (of the modules the forward calls) and FLOPs of one ``bands x size x size``
    input: ``tools/benchmark.py``'s counter (mmengine's FlopAnalyzer)."""
    from cdkd.utils.script_loader import load_script
    benchmark = load_script(osp.join(REPO, 'tools', 'benchmark.py'), 'cdkd_benchmark')
    counted = benchmark.model_complexity(net, (bands, size, size))
    return dict(params=counted['params'], flops=counted['flops'])


def seconds_per_call(fn, warmup: int, iters: int) -> float:
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    sync()
    return (time.perf_counter() - start) / iters


def speed(net: torch.nn.Module, bands: int, size: int, batch: int, warmup: int,
          iters: int) -> dict:
    """Latency at batch 1 (ms) and throughput at ``batch`` (pairs/s and megapixels/s), on the
    network's device."""
    device = next(net.parameters()).device
    one = torch.randint(0, 256, (1, bands, size, size), device=device).float()
    many = one.expand(batch, -1, -1, -1).contiguous()
    with torch.no_grad():
        latency = seconds_per_call(lambda: net(one), warmup, iters)
        per_batch = seconds_per_call(lambda: net(many), warmup, max(1, iters // 2))
    return dict(latency_ms=1000 * latency, throughput_pairs_s=batch / per_batch,
                throughput_mpx_s=batch * size * size / per_batch / 1e6)


def scene_speed(net: torch.nn.Module, size: int) -> dict:
    """Megapixels/s of ``cdkd.apis.infer_scene`` on a synthetic ``size`` x ``size`` pair."""
    sys.path.insert(0, osp.join(REPO, 'tools', 'benchmarks'))
    from scene_inference import write_synthetic_pair

    from cdkd.apis import infer_scene
    with tempfile.TemporaryDirectory(prefix='cdkd_ts_scene_') as tmp:
        paths = write_synthetic_pair(tmp, size)
        start = time.perf_counter()
        with torch.no_grad():
            infer_scene(net, *paths, osp.join(tmp, 'change.tif'), tile=512, overlap=64,
                        batch_size=4, progress=False)
        seconds = time.perf_counter() - start
    return dict(scene_size=size, scene_s=seconds, scene_mpx_s=size * size / seconds / 1e6)


def compare(networks: dict, size: int = 256, batch: int = 8, warmup: int = 2, iters: int = 10,
            scene: int = 0) -> dict:
    """``name -> measurements`` of ``ChangeProbabilityNet``s; the first is the reference of the
    speed-up and compression factors."""
    results = {}
    for name, net in networks.items():
        bands = sum(net.temporal_bands)
        row = dict(speed(net, bands, size, batch, warmup, iters),
                   **complexity(copy.deepcopy(net).cpu(), bands, size))
        if scene and next(net.parameters()).device.type == 'cpu':
            row.update(scene_speed(net, scene))
        results[name] = row
    ref = next(iter(results.values()))
    for row in results.values():
        row.update(params_ratio=ref['params'] / row['params'],
                   flops_ratio=ref['flops'] / row['flops'],
                   latency_speedup=ref['latency_ms'] / row['latency_ms'],
                   throughput_speedup=row['throughput_pairs_s'] / ref['throughput_pairs_s'])
        if 'scene_mpx_s' in row:
            row['scene_speedup'] = row['scene_mpx_s'] / ref['scene_mpx_s']
    return results


def markdown_table(results: dict, size: int, batch: int) -> list:
    lines = [f'| network | params (M) | GFLOPs at {size}² | latency b1 (ms) | throughput b{batch} '
             '(pairs/s) | scene (Mpx/s) | speed-up (latency / throughput / scene) |',
             '|---|---|---|---|---|---|---|']
    for name, r in results.items():
        scene = f'{r["scene_mpx_s"]:.2f}' if 'scene_mpx_s' in r else '–'
        scene_up = f' / {r["scene_speedup"]:.2f}×' if 'scene_speedup' in r else ''
        lines.append(f'| {name} | {r["params"] / 1e6:.2f} | {r["flops"] / 1e9:.2f} | '
                     f'{r["latency_ms"]:.1f} | {r["throughput_pairs_s"]:.2f} | {scene} | '
                     f'{r["latency_speedup"]:.2f}× / {r["throughput_speedup"]:.2f}×{scene_up} |')
    return lines


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from cdkd.utils import register_all_modules
    register_all_modules()
    networks = {name: load_network(*spec).to(args.device) for name, spec in args.models.items()}
    results = compare(networks, args.size, args.batch, args.warmup, args.iters, args.scene)
    from cdkd.utils.atomic_write import atomic_write_text
    os.makedirs(args.out_dir, exist_ok=True)
    on_gpu = args.device.startswith('cuda')
    stem = osp.join(args.out_dir, 'teacher_student_' + ('gpu' if on_gpu else 'cpu'))
    command = 'python tools/benchmarks/teacher_student.py ' + ' '.join(argv or sys.argv[1:])
    device = torch.cuda.get_device_name(args.device) if on_gpu else (
        platform.processor() or platform.machine())
    meta = dict(command=command, device=device, threads=args.threads, torch=torch.__version__)
    atomic_write_text(stem + '.json', json.dumps(dict(meta=meta, results=results), indent=1))
    lines = [f'# Teacher vs student ({"GPU" if on_gpu else "CPU"})', '', f'Command: `{command}`',
             '', f'{device}, {args.threads} torch CPU thread(s), torch {torch.__version__}; '
             'speed-ups relative to the first network.', ''] + markdown_table(
                 results, args.size, args.batch)
    atomic_write_text(stem + '.md', '\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return results


if __name__ == '__main__':
    main()
