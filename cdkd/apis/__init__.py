from .checkpoint import resolve_checkpoint
from .inference import change_probability, inference_model, init_model
from .pseudo_label import (choose_threshold, collect_probabilities, pseudo_label,
                           sweep_pseudo_label_thresholds, write_pseudo_labels, write_report)

__all__ = ['resolve_checkpoint', 'init_model', 'inference_model', 'change_probability',
           'pseudo_label', 'collect_probabilities', 'sweep_pseudo_label_thresholds',
           'write_pseudo_labels', 'write_report', 'choose_threshold']
