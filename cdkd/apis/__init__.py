from .checkpoint import resolve_checkpoint
from .inference import change_probability, inference_model, init_model

__all__ = ['resolve_checkpoint', 'init_model', 'inference_model', 'change_probability']
