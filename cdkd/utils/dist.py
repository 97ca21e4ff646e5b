"""Distributed runs without CUDA (torchrun on CPU, e.g. CI or a laptop)."""
import torch
from mmengine.config import Config


def configure_cpu_distributed(cfg: Config) -> None:
    """Make a ``--launcher pytorch`` config work without CUDA: the gloo backend, and DDP without
    ``device_ids`` (mmengine passes ``[LOCAL_RANK]``, which DDP rejects for CPU modules)."""
    if torch.cuda.is_available():
        return
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('type', 'MMDistributedDataParallel') == 'MMDistributedDataParallel':
        wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
