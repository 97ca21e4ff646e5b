"""Temporal augmentation."""
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomTemporalExchange(BaseTransform):
    """With probability ``prob`` swap the first two dates (t1 <-> t2).

    Valid only when the change label is symmetric in time, i.e. the model sees |t1 - t2|-like
    change ("something differs here"), not directed change (appeared vs. vanished, from-to
    classes), and when both dates come from the same sensor: the model splits channels by the
    per-date band counts, so a pair with different band counts raises ``ValueError``.
    ``img_paths`` and ``num_bands`` are swapped too, so paths keep matching the images; extra
    dates (e.g. the heterogeneous set's optical t2) stay where they are.
    """

    def __init__(self, prob=0.5):
        self.prob = prob

    def transform(self, results):
        results['temporal_exchange'] = False
        if np.random.rand() >= self.prob:
            return results
        imgs = list(results['imgs'])
        if imgs[0].shape[2:] != imgs[1].shape[2:]:
            raise ValueError(f'RandomTemporalExchange needs dates with equal band counts, got '
                             f'{imgs[0].shape} and {imgs[1].shape}')
        imgs[0], imgs[1] = imgs[1], imgs[0]
        results['imgs'] = imgs
        for key in ('img_paths', 'num_bands'):
            if key in results and len(results[key]) >= 2:
                seq = list(results[key])
                seq[0], seq[1] = seq[1], seq[0]
                results[key] = tuple(seq) if isinstance(results[key], tuple) else seq
        results['temporal_exchange'] = True
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(prob={self.prob})'
