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


def test_pytorch_launcher_skips_cuda_set_device_without_cuda(monkeypatch):
    import mmengine.dist.utils as dist_utils

    from cdkd.utils.compat import init_dist_pytorch_cpu_safe
    assert dist_utils._init_dist_pytorch is init_dist_pytorch_cpu_safe
    calls = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.cuda, 'set_device', lambda *a: calls.append('set_device'))
    monkeypatch.setattr(torch.distributed, 'init_process_group',
                        lambda backend, **kw: calls.append(backend))
    init_dist_pytorch_cpu_safe('gloo')
    assert calls == ['gloo']
