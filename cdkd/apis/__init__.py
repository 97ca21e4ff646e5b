from .checkpoint import resolve_checkpoint
from .inference import change_probability, inference_model, init_model
from .polygons import write_change_polygons
from .probability_net import ChangeProbabilityNet, change_threshold
from .scene_inference import infer_scene

__all__ = ['resolve_checkpoint', 'init_model', 'inference_model', 'change_probability',
           'ChangeProbabilityNet', 'change_threshold', 'infer_scene', 'write_change_polygons']
