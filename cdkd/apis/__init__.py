from .checkpoint import resolve_checkpoint
from .inference import change_probability, inference_model, init_model
from .polygons import write_change_polygons
from .probability_net import ChangeProbabilityNet, build_tta_model, change_threshold
from .pseudo_label import (choose_threshold, collect_probabilities, gate_by_image_labels,
                           pseudo_label, sweep_pseudo_label_thresholds, write_pseudo_labels,
                           write_report)
from .scene_inference import infer_scene

__all__ = ['resolve_checkpoint', 'init_model', 'inference_model', 'change_probability',
           'ChangeProbabilityNet', 'build_tta_model', 'change_threshold', 'infer_scene',
           'write_change_polygons', 'pseudo_label', 'gate_by_image_labels', 'collect_probabilities',
           'sweep_pseudo_label_thresholds', 'write_pseudo_labels', 'write_report',
           'choose_threshold']
