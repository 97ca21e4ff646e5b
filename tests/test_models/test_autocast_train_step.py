"""Every method's training losses under autocast (CPU bfloat16 standing in for CUDA's AMP):
the forward and backward run, and every loss is a finite float32."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from cdkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('benchmark', osp.join(REPO, 'tools', 'benchmark.py'))
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)


@pytest.mark.parametrize('method', sorted(benchmark.METHODS))
def test_losses_are_float32_under_autocast(method):
    cfg = Config.fromfile(osp.join(REPO, benchmark.METHODS[method]['config']))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    bands = tuple(model.data_preprocessor.temporal_bands)
    fields = benchmark.pipeline_fields(benchmark.dataset_pipeline(cfg.train_dataloader), bands)
    data = model.data_preprocessor(benchmark.random_batch(2, bands, 32, fields), True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(**data, mode='loss')
        total, _ = model.parse_losses(losses)
    for name, value in losses.items():
        if 'loss' in name:
            assert value.dtype == torch.float32 and torch.isfinite(value).all(), name
    total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
