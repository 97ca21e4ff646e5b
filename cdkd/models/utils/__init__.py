from .change_probability import (change_logit, make_cam, pack_probability_predictions,
                                 probability_from_seg_logits)
from .export import (change_threshold, export_module, input_size_probability,
                     logits_to_probability)

__all__ = ['make_cam', 'change_logit', 'probability_from_seg_logits',
           'pack_probability_predictions', 'export_module', 'logits_to_probability',
           'input_size_probability',
           'change_threshold']
