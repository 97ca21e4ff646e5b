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
