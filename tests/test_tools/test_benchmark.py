"""tools/benchmark.py builds, for every method, the batch its real pipeline would pack."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from cdkd.apis import ChangeProbabilityNet
from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('benchmark', osp.join(REPO, 'tools', 'benchmark.py'))
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)

# method -> (bands per date of the training input, fields its train pipeline packs)
EXPECTED = {
    'siamese': ((3, 3), ('gt_sem_seg', )),
    'stkd': ((3, 3), ('gt_sem_seg', 'student_inputs')),
    'kdmsi': ((3, 3), ('gt_image_label', )),  # ImageLevelChangeLabel drops the mask
    'gold': ((3, 1, 3), ('gt_sem_seg', )),
}


def test_every_method_is_covered():
    assert set(benchmark.METHODS) == set(EXPECTED)


@pytest.mark.parametrize('method', sorted(EXPECTED))
def test_random_batch_trains_the_method_and_predicts_from_its_deployed_bands(method):
    cfg = Config.fromfile(osp.join(REPO, benchmark.METHODS[method]['config']))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    bands, fields = EXPECTED[method]
    assert tuple(model.data_preprocessor.temporal_bands) == bands
    assert benchmark.pipeline_fields(benchmark.dataset_pipeline(cfg.train_dataloader),
                                     bands) == fields
    batch = benchmark.random_batch(2, bands, 32, fields)
    for inputs, sample in zip(batch['inputs'], batch['data_samples']):
        assert inputs.shape == (sum(bands), 32, 32) and inputs.dtype == torch.uint8
        assert tuple(sorted(sample.keys())) == fields
        assert sample.num_bands == bands
    losses = model.train_step(batch, build_optim_wrapper(model, cfg.optim_wrapper))
    assert all(torch.isfinite(v).all() for v in losses.values())

    net = ChangeProbabilityNet(model.eval()).eval()
    assert net.temporal_bands == bands[:2]  # GOLD predicts from A + B
    with torch.no_grad():
        assert net(torch.rand(1, sum(bands[:2]), 32, 32) * 255).shape == (1, 1, 32, 32)


def test_kdmsi_tta_times_the_msi_model():
    cfg = Config.fromfile(osp.join(REPO, benchmark.METHODS['kdmsi']['config']))
    model = MODELS.build(cfg.model).eval()
    args = benchmark.parse_args(['--size', '32', '--iters', '1', '--device', 'cpu'])
    result = benchmark.tta_benchmark(cfg, model, (3, 3), args)
    assert result['tta'] == 'MultiScaleChangeTTA' and result['tta_latency_ms'] > 0
    siamese = Config.fromfile(osp.join(REPO, benchmark.METHODS['siamese']['config']))
    assert benchmark.tta_benchmark(siamese, model, (3, 3), args) == dict(
        tta='none: no tta_model in this config')


def test_unknown_fields_and_loaders_are_clear_errors():
    with pytest.raises(ValueError, match='gt_depth'):
        benchmark.random_batch(1, (3, 3), 32, ('gt_depth', ))
    with pytest.raises(ValueError, match='LoadDepth'):
        benchmark.pipeline_fields([dict(type='LoadDepth')], (3, 3))


class WithUnusedTeacher(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.student = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.teacher = torch.nn.Conv2d(3, 64, 3, padding=1)  # built, never called

    def forward(self, x):
        return self.student(x)


def test_flops_and_parameters_of_a_convolution_by_hand():
    net = WithUnusedTeacher()
    result = benchmark.model_complexity(net, (3, 16, 16))
    assert result['flops'] == 8 * 16 * 16 * (3 * 3 * 3)  # multiply-adds of a 3x3 conv, no bias
    assert result['params'] == 8 * 3 * 3 * 3 + 8  # the called conv only
    assert result['params_built'] == result['params'] + 64 * 27 + 64


def test_deployed_parameters_leave_the_kdmsi_teacher_out():
    cfg = Config.fromfile(osp.join(REPO, benchmark.METHODS['kdmsi']['config']))
    model = MODELS.build(cfg.model).eval()
    result = benchmark.model_complexity(ChangeProbabilityNet(model).eval(), (6, 32, 32))
    assert result['params'] == sum(p.numel() for p in model.student.parameters())
    assert result['params_built'] == sum(p.numel() for p in model.parameters())
    assert result['flops'] > 0


@pytest.mark.parametrize('name,precision,peak', [
    ('NVIDIA H100 80GB HBM3', 'tf32', 494.7), ('NVIDIA H100 PCIe', 'bf16', 756.0),
    ('NVIDIA H200', 'fp32', 67.0), ('NVIDIA A100-SXM4-80GB', 'bf16', 312.0),
    ('NVIDIA L40S', 'tf32', 183.0), ('NVIDIA L4', 'fp16', 121.0), ('NVIDIA A10', 'tf32', 62.5),
    ('NVIDIA A10G', 'tf32', None), ('Tesla T4', 'bf16', None), ('NVIDIA GeForce GTX 1080', 'fp32',
                                                               None)])
def test_peak_table(name, precision, peak):
    assert benchmark.peak_tflops(name, precision) == peak


def test_efficiency_counts_two_flops_per_multiply_add():
    result = benchmark.efficiency(1e9, 100.0, 'NVIDIA A100-SXM4-40GB', 'tf32')
    assert result['achieved_tflops'] == pytest.approx(0.2)
    assert result['peak_fraction'] == pytest.approx(0.2 / 156.0)
    assert benchmark.efficiency(1e9, 100.0, 'CPU (x86_64)', 'fp32')['peak_fraction'] is None


def test_amp_needs_cuda():
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--device', 'cpu', '--amp'])
