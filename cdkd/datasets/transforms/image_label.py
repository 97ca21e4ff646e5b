"""Image-level change labels for weakly supervised training (KD-MSI)."""
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ImageLevelChangeLabel(BaseTransform):
    """Set ``results['gt_image_label']`` = 1 if the mask has at least ``min_changed_pixels`` changed
    pixels (value 1; ignore 255 does not count), else 0.

    Put it after the geometric transforms (the label is that of the crop the network sees).
    With ``drop_mask=True`` (default) the pixel mask is removed afterwards, so weakly supervised
    training cannot read it; evaluation pipelines keep their masks by not using this transform.
    """

    def __init__(self, min_changed_pixels: int = 1, drop_mask: bool = True):
        if int(min_changed_pixels) < 1:
            raise ValueError(f'min_changed_pixels must be >= 1, got {min_changed_pixels}')
        self.min_changed_pixels = int(min_changed_pixels)
        self.drop_mask = drop_mask

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            raise KeyError(f"{results.get('seg_map_path') or results.get('sample_name')}: "
                           'ImageLevelChangeLabel needs gt_seg_map (put LoadChangeAnnotation '
                           'before it)')
        changed = int(np.count_nonzero(results['gt_seg_map'] == 1))
        results['gt_image_label'] = np.int64(changed >= self.min_changed_pixels)
        if self.drop_mask:
            results.pop('gt_seg_map')
            results['seg_fields'] = [k for k in results.get('seg_fields', []) if k != 'gt_seg_map']
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(min_changed_pixels={self.min_changed_pixels}, '
                f'drop_mask={self.drop_mask})')
