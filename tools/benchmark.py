"""cdkd benchmarks (a script, not tests): per method, train-step throughput and peak memory,
inference latency/throughput with and without test-time augmentation (KD-MSI's MSI), FLOPs and
parameters of the deployed network, on a GPU the achieved TFLOP/s and share of the GPU's peak, and
the framework overhead against the same network in a bare torch loop.

    python tools/benchmark.py [--methods siamese ...] [--method-config NAME=CONFIG ...]
        [--batch 8] [--size 256] [--iters 10] [--infer-batch 8] [--tta] [--device cpu|cuda]
        [--amp [--amp-dtype bfloat16]]

Writes ``docs/benchmarks/benchmark_{cpu,gpu,gpu_amp}.{md,json}`` and, for the first method with a
bare loop, the framework-overhead report ``docs/benchmarks/train_step_{cpu,gpu}.{md,json}``. Each
method runs in a fresh process, so its peak memory is its own (CPU: peak RSS; GPU: peak allocated).

FLOPs are counted by mmengine's ``FlopAnalyzer`` (fvcore's counter: a traced forward, one
multiply-add = one FLOP, as mmseg's ``get_flops`` reports them); parameters are those of the modules
the deployed network calls (a distiller's teacher is not deployed). Achieved TFLOP/s count a
multiply-add as two FLOPs, as GPU peak figures do.

Inputs are random uint8 images with the config's bands per date: training batches carry the
data-sample fields the config's train pipeline packs (found by running it on one random sample:
STKD's ``student_inputs``, KD-MSI's ``gt_image_label``; GOLD trains on A + B + C), inference runs
on the deployed network's dates (GOLD: A + B) and ``--tta`` feeds ``tta_model`` a test sample.
"""
import argparse
import contextlib
import json
import multiprocessing as mp
import os
import os.path as osp
import platform
import re
import resource
import time

import torch
import torch.nn.functional as F

# Methods by name (each method's default synthetic config);
# ``bare_loop`` marks plain encoder-decoders whose step can be rewritten as a bare torch loop.
METHODS = {
    'siamese': dict(config='configs/siamese/siamfpn_r18_128x128_500it_synthetic.py',
                    bare_loop=True),
    'stkd': dict(config='configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py',
                 bare_loop=False),
    'kdmsi': dict(config='configs/kdmsi/kdmsi_r18_96x96_20e_synthetic.py', bare_loop=False),
    'gold': dict(config='configs/gold/gold_r18_128x128_500it_synthetichetero.py',
                 bare_loop=False),
}
# Data-sample fields that random_batch can fill (what cdkd's pipelines pack).
SYNTHESISED_FIELDS = ('gt_sem_seg', 'gt_image_label', 'student_inputs')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', default=list(METHODS), help='names in METHODS')
    parser.add_argument('--method-config', nargs='+', default=[], metavar='NAME=CONFIG',
                        help='benchmark extra configs under the given names')
    parser.add_argument('--batch', type=int, default=8, help='training batch size')
    parser.add_argument('--size', type=int, default=256, help='square input size')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--infer-batch', type=int, default=8, help='batch of the throughput run')
    parser.add_argument('--tta', action='store_true',
                        help="also time the config's tta_model (e.g. KD-MSI's MSI)")
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: AmpOptimWrapper to train, autocast to infer')
    parser.add_argument('--amp-dtype', choices=('float16', 'bfloat16'), default='float16')
    parser.add_argument('--out-dir', default='docs/benchmarks')
    args = parser.parse_args(argv)
    methods = {}
    for name in args.methods:
        if name not in METHODS:
            parser.error(f'unknown method {name!r}; known: {", ".join(METHODS)} '
                         '(or pass --method-config NAME=CONFIG)')
        methods[name] = METHODS[name]
    for item in args.method_config:
        name, sep, config = item.partition('=')
        if not sep or not osp.isfile(config):
            parser.error(f'--method-config {item!r}: expected NAME=CONFIG with an existing file')
        methods[name] = dict(config=config, bare_loop=False)
    if args.amp and not args.device.startswith('cuda'):
        parser.error('--amp needs --device cuda (mmengine\'s AmpOptimWrapper runs on CUDA only)')
    args.method_table = methods
    return args


def dataset_pipeline(dataloader_cfg):
    """The pipeline of a dataloader config's dataset (through wrappers such as RepeatDataset)."""
    dataset = dataloader_cfg['dataset']
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']
    if 'pipeline' not in dataset:
        raise KeyError(f'no pipeline found in the dataset config {dataset.get("type")!r}')
    return dataset['pipeline']


def pipeline_fields(pipeline, temporal_bands, size=64, seed=0):
    """The data fields (``gt_sem_seg``, ``gt_image_label``, ``student_inputs`` ...) that
    ``pipeline`` packs into a data sample: its transforms after loading, run on one random sample
    as ``LoadMultiImageFromFile`` / ``LoadChangeAnnotation`` would leave it."""
    import numpy as np

    from cdkd.registry import TRANSFORMS
    rng = np.random.default_rng(seed)
    results = dict(sample_name='random', img_paths=[f'random_t{i}' for i in
                                                    range(len(temporal_bands))])
    transforms = []
    for t in pipeline:
        if t['type'] == 'LoadMultiImageFromFile':
            results.update(imgs=[rng.integers(0, 256, (size, size, b), dtype=np.uint8)
                                 for b in temporal_bands], img_shape=(size, size),
                           ori_shape=(size, size), num_bands=tuple(temporal_bands))
        elif t['type'] == 'LoadChangeAnnotation':
            results.update(seg_map_path='random', seg_fields=['gt_seg_map'],
                           gt_seg_map=rng.integers(0, 2, (size, size), dtype=np.uint8))
        elif t['type'].startswith('Load'):
            raise ValueError(f'the benchmark cannot simulate the loading transform {t["type"]}')
        else:
            transforms.append(TRANSFORMS.build(t))
    for transform in transforms:
        results = transform(results)
    return tuple(sorted(results['data_samples'].keys()))


def random_batch(n, temporal_bands, size, fields=('gt_sem_seg', ), seed=0):
    """``n`` random uint8 samples of ``temporal_bands`` (bands per date) at ``size`` x ``size``,
    packed as ``PackChangeInputs`` packs them, with the data ``fields`` a pipeline produces
    (see :func:`pipeline_fields`)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    unknown = set(fields) - set(SYNTHESISED_FIELDS)
    if unknown:
        raise ValueError(f'cannot synthesise the data fields {sorted(unknown)}; known: '
                         f'{", ".join(SYNTHESISED_FIELDS)}')
    g = torch.Generator().manual_seed(seed)

    def image():
        return torch.cat([torch.randint(0, 256, (b, size, size), generator=g, dtype=torch.uint8)
                          for b in temporal_bands])

    inputs, samples = [], []
    for _ in range(n):
        inputs.append(image())
        mask = torch.randint(0, 2, (1, size, size), generator=g)
        s = SegDataSample()
        if 'gt_sem_seg' in fields:
            s.gt_sem_seg = PixelData(data=mask)
        if 'gt_image_label' in fields:  # as ImageLevelChangeLabel(min_changed_pixels=1)
            s.gt_image_label = (mask == 1).any().long()
        if 'student_inputs' in fields:  # STKD's perturbed view
            s.student_inputs = image()
        s.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size),
                            pad_shape=(size, size), num_bands=tuple(temporal_bands)))
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


def peak_memory_mb(device):
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def bare_step_fn(model, cfg, batch, device):
    """The detector's modules in a hand-written step: normalisation, forward, loss, AdamW.

    Like the framework's step it moves the uint8 batch to the device and normalises it every
    step, so the comparison measures framework overhead, not a skipped host-to-device copy.
    """
    pre = model.data_preprocessor
    images = torch.stack(batch['inputs'])
    labels = torch.cat([s.gt_sem_seg.data for s in batch['data_samples']])
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    optimizer = getattr(torch.optim, opt_cfg.pop('type'))(model.parameters(), **opt_cfg)
    single_logit = model.out_channels == 1

    def step():
        x = (images.to(device).float() - pre.mean) / pre.std
        y = labels.to(device)
        optimizer.zero_grad()
        logits = model.decode_head(model.extract_feat(x))
        logits = F.interpolate(logits, size=y.shape[-2:], mode='bilinear', align_corners=False)
        if single_logit:
            loss = F.binary_cross_entropy_with_logits(logits[:, 0], y.float())
        else:
            loss = F.cross_entropy(logits, y, ignore_index=255)
        loss.backward()
        optimizer.step()
    return step


# Peak dense (no sparsity) tensor/vector throughput in TFLOP/s from NVIDIA's datasheets, by a
# pattern of torch.cuda.get_device_name(); the first match wins (H100 PCIe before H100 SXM).
PEAK_TFLOPS = (
    (r'H200 NVL', dict(fp32=60.0, tf32=417.5, bf16=835.5, fp16=835.5)),
    (r'H200', dict(fp32=67.0, tf32=494.7, bf16=989.4, fp16=989.4)),
    (r'H100 PCIe', dict(fp32=51.2, tf32=378.0, bf16=756.0, fp16=756.0)),
    (r'H100 NVL', dict(fp32=60.0, tf32=417.5, bf16=835.5, fp16=835.5)),
    (r'H100', dict(fp32=67.0, tf32=494.7, bf16=989.4, fp16=989.4)),
    (r'A100', dict(fp32=19.5, tf32=156.0, bf16=312.0, fp16=312.0)),
    (r'L40S', dict(fp32=91.6, tf32=183.0, bf16=362.0, fp16=362.0)),
    (r'\bL4\b', dict(fp32=30.3, tf32=60.0, bf16=121.0, fp16=121.0)),
    (r'\bA10\b', dict(fp32=31.2, tf32=62.5, bf16=125.0, fp16=125.0)),
    (r'V100-SXM2', dict(fp32=15.7, fp16=125.0)),
    (r'V100', dict(fp32=14.0, fp16=112.0)),
    (r'\bT4\b', dict(fp32=8.1, fp16=65.0)),
    (r'RTX 4090', dict(fp32=82.6, tf32=82.6, bf16=165.2, fp16=165.2)),
    (r'RTX 3090', dict(fp32=35.6, tf32=35.6, bf16=71.0, fp16=71.0)),
)


def peak_tflops(device: str, precision: str):
    """Peak dense TFLOP/s of a GPU (by name) at ``precision`` (fp32/tf32/bf16/fp16), or None."""
    for pattern, peaks in PEAK_TFLOPS:
        if re.search(pattern, device):
            return peaks.get(precision)
    return None


def compute_precision(args) -> str:
    """The precision the convolutions run in: the autocast dtype, TF32 (cuDNN's default on
    Ampere and newer), or FP32."""
    if args.amp:
        return 'bf16' if args.amp_dtype == 'bfloat16' else 'fp16'
    if (args.device.startswith('cuda') and torch.backends.cudnn.allow_tf32
            and torch.cuda.get_device_capability()[0] >= 8):
        return 'tf32'
    return 'fp32'


def model_complexity(net, input_shape):
    """FLOPs (mmengine's FlopAnalyzer: one multiply-add = one FLOP) of ``net`` on one input of
    ``input_shape`` (C, H, W), and the parameters of the modules that forward calls."""
    from mmengine.analysis import FlopAnalyzer
    inputs = (torch.rand(1, *input_shape, device=next(net.parameters()).device) * 255, )
    with torch.no_grad():
        analyzer = FlopAnalyzer(net, inputs)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        flops = analyzer.total()
    uncalled = analyzer.uncalled_modules()
    params = sum(p.numel() for n, p in net.named_parameters()
                 if n.rpartition('.')[0] not in uncalled)
    return dict(flops=flops, params=params,
                params_built=sum(p.numel() for p in net.parameters()),
                flops_uncounted_ops=dict(sorted(analyzer.unsupported_ops().items())))


def efficiency(flops_per_pair, pairs_per_s, device, precision):
    """Achieved TFLOP/s (two FLOPs per multiply-add) and its share of the device's peak."""
    achieved = 2 * flops_per_pair * pairs_per_s / 1e12
    peak = peak_tflops(device, precision)
    return dict(achieved_tflops=achieved, precision=precision, peak_tflops=peak,
                peak_fraction=None if peak is None else achieved / peak)


def autocast(args):
    if not args.amp:
        return contextlib.nullcontext()
    return torch.autocast('cuda', dtype=getattr(torch, args.amp_dtype))


def train_benchmark(model, cfg, batch, args):
    """Seconds per mmengine ``train_step`` and peak memory."""
    from mmengine.optim import build_optim_wrapper
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    start_mb = peak_memory_mb(args.device)
    optim_cfg = dict(cfg.optim_wrapper)
    if args.amp:
        optim_cfg.update(type='AmpOptimWrapper', dtype=args.amp_dtype, loss_scale='dynamic')
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    train_s = timed(lambda: model.train_step(batch, optim_wrapper), args.warmup, args.iters,
                    args.device)
    return dict(train_s_per_iter=train_s, train_pairs_per_s=args.batch / train_s,
                memory_before_mb=start_mb, train_peak_memory_mb=peak_memory_mb(args.device))


def bare_loop_benchmark(model, cfg, batch, args, train_s):
    """Seconds per step of the same modules in a hand-written loop, and the framework overhead."""
    with autocast(args):
        bare_s = timed(bare_step_fn(model, cfg, batch, args.device), args.warmup, args.iters,
                       args.device)
    return dict(bare_s_per_iter=bare_s, bare_pairs_per_s=args.batch / bare_s,
                overhead_pct=100.0 * (train_s - bare_s) / bare_s)


def inference_benchmark(net, args):
    """Latency at batch 1 and throughput at ``--infer-batch`` of the deployed network."""
    bands = sum(net.temporal_bands)
    one = torch.rand(1, bands, args.size, args.size, device=args.device) * 255
    many = torch.rand(args.infer_batch, bands, args.size, args.size, device=args.device) * 255
    with torch.no_grad(), autocast(args):
        latency = timed(lambda: net(one), args.warmup, args.iters, args.device)
        through = timed(lambda: net(many), 1, max(1, args.iters // 2), args.device)
    return dict(latency_ms=1000 * latency, infer_pairs_per_s=args.infer_batch / through,
                infer_mpix_per_s=args.infer_batch * args.size ** 2 / through / 1e6)


def benchmark_method(name, entry, args):
    """All figures of one method (runs in its own process)."""
    from mmengine.config import Config

    from cdkd.apis import ChangeProbabilityNet
    from cdkd.registry import MODELS
    from cdkd.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(entry['config'])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device).train()
    # Training inputs as the train pipeline packs them (GOLD: A + B + C); prediction inputs are
    # those of the deployed network (GOLD: A + B), see ChangeProbabilityNet.temporal_bands.
    train_bands = tuple(getattr(model.data_preprocessor, 'temporal_bands', None)
                        or model.temporal_bands)
    train_fields = pipeline_fields(dataset_pipeline(cfg.train_dataloader), train_bands)
    batch = random_batch(args.batch, train_bands, args.size, train_fields)
    result = dict(method=name, config=entry['config'])
    result.update(train_benchmark(model, cfg, batch, args))
    if entry.get('bare_loop'):
        result.update(bare_loop_benchmark(model, cfg, batch, args, result['train_s_per_iter']))

    model.eval()
    net = ChangeProbabilityNet(model).to(args.device).eval()
    result.update(inference_benchmark(net, args))
    result.update(model_complexity(net, (sum(net.temporal_bands), args.size, args.size)))
    result.update(efficiency(result['flops'], result['infer_pairs_per_s'],
                             device_name(args.device), compute_precision(args)))
    if args.tta:
        result.update(tta_benchmark(cfg, model, net.temporal_bands, args))
    return result


def tta_benchmark(cfg, model, temporal_bands, args):
    """Latency of ``cfg.tta_model`` wrapping the model on one test-pipeline sample, fed as
    tools/test.py --tta feeds it (cdkd's TTA models build their views from the plain batch), or
    a note when the config has none or needs ``tta_pipeline`` views."""
    if 'tta_model' not in cfg:
        return dict(tta='none: no tta_model in this config')
    if 'tta_pipeline' in cfg:
        return dict(tta='not timed: its views come from tta_pipeline, which is not simulated')
    from cdkd.registry import MODELS
    tta = MODELS.build(dict(cfg.tta_model, module=model)).to(args.device).eval()
    fields = pipeline_fields(dataset_pipeline(cfg.test_dataloader), temporal_bands)
    data = random_batch(1, temporal_bands, args.size, fields)
    with torch.no_grad(), autocast(args):
        latency = timed(lambda: tta.test_step(data), 1, max(1, args.iters // 2), args.device)
    return dict(tta=cfg.tta_model.get('type', '?'), tta_latency_ms=1000 * latency)


def _child(name, entry, args, queue):
    try:
        queue.put(benchmark_method(name, entry, args))
    except Exception as err:  # reported in the table instead of killing the other methods
        queue.put(dict(method=name, config=entry['config'], error=f'{type(err).__name__}: {err}'))


def run_isolated(name, entry, args):
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(name, entry, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def device_name(device):
    if device.startswith('cuda'):
        return torch.cuda.get_device_name()
    return f'CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)'


def command_line(args):
    parts = ['python tools/benchmark.py', '--methods', *args.methods]
    if args.method_config:
        parts += ['--method-config', *args.method_config]
    parts += [f'--batch {args.batch}', f'--size {args.size}', f'--warmup {args.warmup}',
              f'--iters {args.iters}', f'--infer-batch {args.infer_batch}',
              f'--device {args.device}']
    if args.amp:
        parts += ['--amp', f'--amp-dtype {args.amp_dtype}']
    return ' '.join(parts + (['--tta'] if args.tta else []))


def markdown_report(results, args, device, note=''):
    mem = 'peak allocated (MiB)' if args.device.startswith('cuda') else 'peak RSS (MiB)'
    lines = [f'# cdkd benchmarks ({device})', '',
             f'Batch {args.batch} (training), {args.size}x{args.size}, mean of {args.iters} steps '
             f'after {args.warmup} warm-up steps, torch {torch.__version__}. Each method runs in '
             'its own process.', '',
             '## Training step (mmengine `train_step`)', '',
             f'| method | config | s / iter | pairs / s | {mem} | before training |',
             '|---|---|---|---|---|---|']
    for r in results:
        if 'error' in r:
            lines.append(f'| {r["method"]} | `{r["config"]}` | failed: {r["error"]} | | | |')
            continue
        lines.append(f'| {r["method"]} | `{r["config"]}` | {r["train_s_per_iter"]:.3f} | '
                     f'{r["train_pairs_per_s"]:.2f} | {r["train_peak_memory_mb"]:.0f} | '
                     f'{r["memory_before_mb"]:.0f} |')
    lines += ['', '## Inference (plain network, `ChangeProbabilityNet`)', '',
              f'| method | latency, batch 1 (ms) | pairs / s, batch {args.infer_batch} | '
              'megapixels / s | with TTA (MSI) |', '|---|---|---|---|---|']
    for r in results:
        if 'error' in r:
            continue
        tta = (f'{r["tta_latency_ms"]:.1f} ms ({r["tta"]})' if 'tta_latency_ms' in r else
               r.get('tta', 'not run (pass --tta)'))
        lines.append(f'| {r["method"]} | {r["latency_ms"]:.1f} | {r["infer_pairs_per_s"]:.2f} | '
                     f'{r["infer_mpix_per_s"]:.2f} | {tta} |')
    lines += complexity_lines(results, args)
    lines += ['', '## Framework overhead against a bare torch loop', '',
              '| method | cdkd s / iter | bare s / iter | overhead |', '|---|---|---|---|']
    for r in results:
        if 'bare_s_per_iter' in r:
            lines.append(f'| {r["method"]} | {r["train_s_per_iter"]:.3f} | '
                         f'{r["bare_s_per_iter"]:.3f} | {r["overhead_pct"]:+.1f} % |')
    lines += [''] + ([note, ''] if note else []) + [f'Command: `{command_line(args)}`', '']
    return '\n'.join(lines)


def _fmt(value, spec, missing='unknown'):
    return missing if value is None else format(value, spec)


def complexity_lines(results, args):
    """The FLOPs / parameters / efficiency table of the report."""
    lines = ['', '## Deployed network: FLOPs, parameters, achieved throughput', '',
             f'Per pair at {args.size}x{args.size}. GFLOPs as mmengine\'s `FlopAnalyzer` counts '
             'them (one multiply-add = one FLOP, like mmseg\'s `get_flops`); parameters of the '
             'modules the deployed network calls (built: all of the training model). Achieved '
             'TFLOP/s = 2 x FLOPs x pairs/s of the batched inference run; the peak is the dense '
             'datasheet figure of the GPU at that precision.', '',
             '| method | GFLOPs | parameters (M) | built (M) | achieved TFLOP/s | precision | '
             'peak TFLOP/s | share of peak |', '|---|---|---|---|---|---|---|---|']
    for r in results:
        if 'flops' not in r:
            continue
        share = _fmt(None if r['peak_fraction'] is None else 100 * r['peak_fraction'], '.1f')
        lines.append(f'| {r["method"]} | {r["flops"] / 1e9:.2f} | {r["params"] / 1e6:.2f} | '
                     f'{r["params_built"] / 1e6:.2f} | {r["achieved_tflops"]:.3f} | '
                     f'{r["precision"]} | {_fmt(r["peak_tflops"], ".1f")} | '
                     f'{share}{"" if r["peak_fraction"] is None else " %"} |')
    uncounted = sorted({op for r in results for op in r.get('flops_uncounted_ops', {})})
    if uncounted:
        lines += ['', 'Not counted (elementwise/pooling ops without a FLOP handle in the '
                  f'counter): {", ".join(f"`{op}`" for op in uncounted)}.']
    return lines


def train_step_report(r, args, device):
    """The single-config overhead report kept at its historical path (train_step_*.md)."""
    md = (f'# Train-step throughput ({device})\n\n'
          f'Config `{r["config"]}`, batch {args.batch}, {args.size}x{args.size}, mean of '
          f'{args.iters} steps after {args.warmup} warm-up steps, torch {torch.__version__}.\n\n'
          '| loop | s / iter | pairs / s |\n|---|---|---|\n'
          f'| cdkd (mmengine train_step) | {r["train_s_per_iter"]:.3f} | '
          f'{r["train_pairs_per_s"]:.2f} |\n'
          f'| bare torch loop, same modules | {r["bare_s_per_iter"]:.3f} | '
          f'{r["bare_pairs_per_s"]:.2f} |\n\n'
          f'Framework overhead: {r["overhead_pct"]:+.1f} %.\n\nCommand: `{command_line(args)}`\n')
    data = dict(config=r['config'], device=device, batch=args.batch, size=args.size,
                iters=args.iters, torch=torch.__version__,
                framework_s_per_iter=r['train_s_per_iter'], bare_s_per_iter=r['bare_s_per_iter'],
                framework_pairs_per_s=r['train_pairs_per_s'],
                bare_pairs_per_s=r['bare_pairs_per_s'], overhead_pct=r['overhead_pct'])
    return md, data


def cpu_note(load_before):
    """CPU timings depend on what else runs on the machine: say how busy it was, and whether a
    GPU was there for the GPU figures."""
    note = (f'1-minute load average {load_before:.2f} before and {os.getloadavg()[0]:.2f} after '
            f'the run ({os.cpu_count()} CPUs).')
    if not torch.cuda.is_available():
        note += (' No GPU was available for this run: the GPU figures with and without AMP '
                 '(`--device cuda`, `--device cuda --amp`: timings, achieved TFLOP/s, share of '
                 'the peak) are not measured in this report.')
    return note


def main(argv=None):
    from cdkd.utils.atomic_write import atomic_write_text
    args = parse_args(argv)
    device = device_name(args.device)
    load_before = os.getloadavg()[0]
    results = []
    for name, entry in args.method_table.items():
        print(f'benchmarking {name} ({entry["config"]}) ...', flush=True)
        results.append(run_isolated(name, entry, args))
        print(json.dumps(results[-1]), flush=True)
    tag = ('gpu_amp' if args.amp else 'gpu') if args.device.startswith('cuda') else 'cpu'
    os.makedirs(args.out_dir, exist_ok=True)
    note = '' if tag != 'cpu' else cpu_note(load_before)
    report = markdown_report(results, args, device, note)
    atomic_write_text(osp.join(args.out_dir, f'benchmark_{tag}.md'), report)
    atomic_write_text(osp.join(args.out_dir, f'benchmark_{tag}.json'),
                 json.dumps(dict(device=device, command=command_line(args), note=note,
                                 results=results), indent=2))
    bare = next((r for r in results if 'bare_s_per_iter' in r), None)
    if bare is not None:
        md, data = train_step_report(bare, args, device)
        atomic_write_text(osp.join(args.out_dir, f'train_step_{tag}.md'), md)
        atomic_write_text(osp.join(args.out_dir, f'train_step_{tag}.json'),
                          json.dumps(data, indent=2))
    print(report)


if __name__ == '__main__':
    main()
