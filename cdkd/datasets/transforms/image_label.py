"""Image-level change labels for weakly supervised training (KD-MSI)."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.datasets.image_label_list import load_image_label_list
from cdkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ImageLevelChangeLabel(BaseTransform):
    """Set ``results['gt_image_label']`` = 1 if the mask has at least ``min_changed_pixels`` changed
    pixels (value 1; ignore 255 does not count), else 0.

    Put it after the geometric transforms (the label is that of the crop the network sees).
    With ``drop_mask=True`` (default) the pixel mask is removed afterwards, so weakly supervised
    training cannot read it; evaluation pipelines that need the image label beside the mask (KD-MSI
    model selection) use ``drop_mask=False``.

    With ``label_file`` (an image-label list, ``name,0/1`` per line: see
    ``cdkd.datasets.image_label_list``) the label is looked up by ``results['sample_name']`` and no
    mask is needed: the input of a purely weakly labelled dataset (``seg_map_path=None``).
    """

    def __init__(self, min_changed_pixels: int = 1, drop_mask: bool = True,
                 label_file: Optional[str] = None):
        if int(min_changed_pixels) < 1:
            raise ValueError(f'min_changed_pixels must be >= 1, got {min_changed_pixels}')
        self.min_changed_pixels = int(min_changed_pixels)
        self.drop_mask = drop_mask
        self.label_file = label_file
        self.labels = load_image_label_list(label_file) if label_file else None

    def label_of(self, name: Optional[str], mask: Optional[np.ndarray]) -> int:
        """The image label of a sample: from the list file by ``name``, else from ``mask``."""
        if self.labels is not None:
            if name not in self.labels:
                raise KeyError(f'sample {name!r} is not in the image-label list {self.label_file}')
            return self.labels[name]
        changed = int(np.count_nonzero(mask == 1))
        return int(changed >= self.min_changed_pixels)

    def transform(self, results: dict) -> dict:
        if self.labels is None and 'gt_seg_map' not in results:
            raise KeyError(f"{results.get('seg_map_path') or results.get('sample_name')}: "
                           'ImageLevelChangeLabel needs gt_seg_map (put LoadChangeAnnotation '
                           'before it) or a label_file')
        results['gt_image_label'] = np.int64(
            self.label_of(results.get('sample_name'), results.get('gt_seg_map')))
        if self.drop_mask and 'gt_seg_map' in results:
            results.pop('gt_seg_map')
            results['seg_fields'] = [k for k in results.get('seg_fields', []) if k != 'gt_seg_map']
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(min_changed_pixels={self.min_changed_pixels}, '
                f'drop_mask={self.drop_mask}, label_file={self.label_file!r})')
