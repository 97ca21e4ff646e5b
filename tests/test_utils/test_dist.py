import torch
from mmengine.config import Config

from cdkd.utils.dist import configure_cpu_distributed


def test_cpu_distributed_uses_gloo_and_ddp_without_device_ids(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl')), find_unused_parameters=True))
    configure_cpu_distributed(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                                         find_unused_parameters=True, device_ids=None)
    custom = Config(dict(env_cfg=dict(), model_wrapper_cfg=dict(type='MyWrapper')))
    configure_cpu_distributed(custom)
    assert custom.model_wrapper_cfg == dict(type='MyWrapper')


def test_gpu_config_is_left_alone(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    configure_cpu_distributed(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'nccl' and 'model_wrapper_cfg' not in cfg
