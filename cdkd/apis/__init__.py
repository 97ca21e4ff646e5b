from cdkd.models.utils import change_threshold

from .checkpoint import check_checkpoint_fits, load_weights_strictly, resolve_checkpoint
from .inference import band_selections, change_probability, inference_model, init_model
from .polygons import write_change_polygons
from .probability_net import ChangeProbabilityNet, build_tta_model
from .pseudo_label import (choose_threshold, collect_probabilities, gate_by_image_labels,
                           pseudo_label, sweep_pseudo_label_thresholds, write_pseudo_labels,
                           write_report)
from .scene_inference import infer_scene

__all__ = ['resolve_checkpoint', 'check_checkpoint_fits', 'load_weights_strictly', 'init_model',
           'inference_model', 'change_probability', 'band_selections',
           'ChangeProbabilityNet', 'build_tta_model', 'change_threshold', 'infer_scene',
           'write_change_polygons', 'pseudo_label', 'gate_by_image_labels', 'collect_probabilities',
           'sweep_pseudo_label_thresholds', 'write_pseudo_labels', 'write_report',
           'choose_threshold']
