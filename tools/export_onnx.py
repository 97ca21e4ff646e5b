"""Export a cdkd change detector to ONNX: raw stacked bands -> change probability.

    python tools/export_onnx.py CONFIG CKPT --out model.onnx [--size 256] [--opset 17] [--verify]

The graph is ``cdkd.apis.ChangeProbabilityNet``: input ``inputs`` (N, sum(temporal_bands), H, W)
float32 raw band values (the t1 bands, then the t2 bands; normalisation is inside the graph),
output ``change_prob`` (N, 1, H, W): the map ``tools/test.py`` scores (the sigmoid of a
single-logit head, the softmax change channel of a two-class head, or the detector's own mapping,
e.g. KD-MSI's ``CAM(G_t)`` for ``test_cfg.output='teacher'``). Batch, height and width are dynamic;
H and W should be multiples of 32. Distillation models export what their ``export_module()``
returns (the student). The checkpoint is loaded strictly (mismatched keys are an error).
``--verify`` compares onnxruntime with PyTorch on two input sizes (needs onnxruntime).
"""
import argparse
import os
import os.path as osp
import warnings

import copy

import numpy as np
import torch
import torch.nn.functional as F
from mmseg.models.utils import Upsample

from cdkd.apis import ChangeProbabilityNet, init_model


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='checkpoint file or work dir')
    parser.add_argument('--out', required=True, help='output .onnx file (written atomically)')
    parser.add_argument('--size', type=int, default=256, help='spatial size of the tracing input')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--verify', action='store_true',
                        help='check onnxruntime against PyTorch on two input sizes')
    return parser.parse_args(argv)


class ScaleFactorUpsample(torch.nn.Module):
    """mmseg's ``Upsample`` computes its output size with ``int()``, which tracing freezes to the
    example's size; interpolating by the scale factor gives the same values and stays dynamic."""

    def __init__(self, upsample: Upsample):
        super().__init__()
        self.scale_factor, self.mode = upsample.scale_factor, upsample.mode
        self.align_corners = upsample.align_corners

    def forward(self, x):
        return F.interpolate(x, scale_factor=self.scale_factor, mode=self.mode,
                             align_corners=self.align_corners)


def traceable(net: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``net`` with size-freezing modules replaced (see :class:`ScaleFactorUpsample`)."""
    net = copy.deepcopy(net)
    for name, module in list(net.named_modules()):
        if isinstance(module, Upsample) and not module.size:
            parent_name, _, child = name.rpartition('.')
            setattr(net.get_submodule(parent_name), child, ScaleFactorUpsample(module))
    return net


def input_bands(net: ChangeProbabilityNet) -> int:
    """Channels of the graph input: the deployed network's dates (GOLD: A + B only)."""
    if net.temporal_bands is None:
        raise ValueError('the input band count is unknown: set temporal_bands in the model\'s '
                         'data_preprocessor (or on the exported network)')
    return sum(net.temporal_bands)


def export_onnx(model: torch.nn.Module, out_path: str, size: int = 256, opset: int = 17) -> str:
    """Trace ``ChangeProbabilityNet(model)`` to ``out_path`` with dynamic batch and size."""
    net = traceable(ChangeProbabilityNet(model).eval())
    bands = input_bands(net)
    example = torch.rand(1, bands, size, size) * 255
    folder = osp.dirname(osp.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(out_path)}.{os.getpid()}.partial')
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            # dynamo=False: the TorchScript exporter, which needs no onnxscript.
            torch.onnx.export(
                net, (example, ), tmp, dynamo=False, opset_version=opset,
                input_names=['inputs'], output_names=['change_prob'],
                dynamic_axes=dict(inputs={0: 'batch', 2: 'height', 3: 'width'},
                                  change_prob={0: 'batch', 2: 'height', 3: 'width'}))
        os.replace(tmp, out_path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return out_path


def verify_onnx(model: torch.nn.Module, onnx_path: str, shapes=((1, 64, 64), (2, 96, 128)),
                atol: float = 1e-4) -> float:
    """Largest |onnxruntime - PyTorch| over inputs of ``shapes`` (N, H, W); raises above ``atol``."""
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_path, providers=['CPUExecutionProvider'])
    net = ChangeProbabilityNet(model).eval()
    bands = input_bands(net)
    worst = 0.0
    for seed, (n, h, w) in enumerate(shapes):
        x = torch.rand(n, bands, h, w, generator=torch.Generator().manual_seed(seed)) * 255
        with torch.no_grad():
            expected = net(x).numpy()
        (got, ) = session.run(['change_prob'], dict(inputs=x.numpy()))
        if got.shape != expected.shape:
            raise AssertionError(f'onnxruntime output {got.shape} != PyTorch {expected.shape}')
        diff = float(np.abs(got - expected).max())
        if diff > atol:
            raise AssertionError(f'onnxruntime differs from PyTorch by {diff:.2e} > {atol} on '
                                 f'input {n}x{bands}x{h}x{w}')
        worst = max(worst, diff)
    return worst


def main(argv=None):
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint, device='cpu')
    export_onnx(model, args.out, args.size, args.opset)
    print(f'wrote {args.out}')
    if args.verify:
        diff = verify_onnx(model, args.out)
        print(f'onnxruntime matches PyTorch on two input sizes (max |diff| {diff:.2e})')


if __name__ == '__main__':
    main()
