"""GPU smoke test of mixed precision: every method trains a few AMP steps with finite float32
losses, and tools/train.py --amp --channels-last runs end to end. Runs only where CUDA is."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')

spec = importlib.util.spec_from_file_location('benchmark', osp.join(REPO, 'tools', 'benchmark.py'))
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)


def amp_dtypes():
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return ['float16', 'bfloat16']
    return ['float16']


@pytest.mark.parametrize('dtype', amp_dtypes())
@pytest.mark.parametrize('method', sorted(benchmark.METHODS))
def test_every_method_trains_under_amp(method, dtype):
    cfg = Config.fromfile(osp.join(REPO, benchmark.METHODS[method]['config']))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).cuda().train()
    bands = tuple(model.data_preprocessor.temporal_bands)
    fields = benchmark.pipeline_fields(benchmark.dataset_pipeline(cfg.train_dataloader), bands)
    batch = benchmark.random_batch(4, bands, 64, fields)
    wrapper = build_optim_wrapper(model, dict(cfg.optim_wrapper, type='AmpOptimWrapper',
                                              dtype=dtype, loss_scale='dynamic'))
    for _ in range(3):
        losses = model.train_step(batch, wrapper)
    for name, value in losses.items():
        assert torch.isfinite(value).all(), name
        if 'loss' in name:
            assert value.dtype == torch.float32, name


def test_train_tool_with_amp_and_channels_last(tmp_path):
    from cdkd.datasets import generate_synthetic_cd
    from tests.test_tools.test_train_test_infer import run_tool, write_config
    root = tmp_path / 'data'
    generate_synthetic_cd(str(root), dict(train=4, test=2), size=64, seed=3, progress=False)
    cfg = write_config(tmp_path / 'tiny.py', str(root), iters=4, crop=64)
    log = run_tool('tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'work'), '--amp',
                   '--channels-last', cwd=REPO)
    assert 'AmpOptimWrapper' in log or 'loss_scale' in log
    assert (tmp_path / 'work' / 'iter_4.pth').is_file()
