"""Band selection per date, e.g. one band of a SAR image stored as three equal grey channels."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiImgSelectBands(BaseTransform):
    """Keep the listed band indices of each date (``None`` keeps a date as is).

    Example: ``bands=[None, [0]]`` turns a grey SAR t2 saved as RGB into one band.
    Updates ``num_bands``.
    """

    def __init__(self, bands: Sequence[Optional[Sequence[int]]]):
        self.bands = [None if b is None else list(b) for b in bands]

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        if len(imgs) != len(self.bands):
            raise ValueError(f'MultiImgSelectBands has {len(self.bands)} entries for '
                             f'{len(imgs)} dates ({results.get("img_paths")})')
        out = []
        for img, keep, path in zip(imgs, self.bands, results.get('img_paths', [None] * len(imgs))):
            if keep is not None:
                if max(keep) >= img.shape[2] or min(keep) < -img.shape[2]:
                    raise ValueError(f'{path}: bands {keep} requested but the image has '
                                     f'{img.shape[2]}')
                img = np.ascontiguousarray(img[..., keep])
            out.append(img)
        results['imgs'] = out
        results['num_bands'] = tuple(i.shape[2] for i in out)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(bands={self.bands})'
