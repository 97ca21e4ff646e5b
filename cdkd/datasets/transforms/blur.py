"""Random Gaussian blur of every date (STKDNet's ``with_random_blur``, GOLD's online blur)."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS
from .perturbation import cv2_bands, restore_dtype


@TRANSFORMS.register_module()
class MultiImgRandomGaussianBlur(BaseTransform):
    """Blur all dates with one sigma ~ U(sigma_range) pixels (labels untouched), with
    probability ``prob``.

    STKDNet (``datasets/data_utils.py:119-122``) blurs both PIL images with
    ``ImageFilter.GaussianBlur(radius=random.random())`` on every sample; PIL approximates the
    Gaussian with three box blurs, here it is cv2's exact kernel of ``2 ceil(3 sigma) + 1`` taps
    (reflect-101 border). Sigmas below ``min_sigma`` leave the images as they are.

    ``per_date_sigma=True`` draws one sigma per date instead (GOLD blurs each image of a triplet
    with its own ``PIL GaussianBlur(radius=U(0, 1))``).
    """

    def __init__(self, sigma_range=(0.0, 1.0), prob=1.0, min_sigma=1e-3, per_date_sigma=False):
        if not 0.0 <= sigma_range[0] <= sigma_range[1]:
            raise ValueError(f'sigma_range must be (min, max) with 0 <= min <= max, '
                             f'got {sigma_range}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.sigma_range = tuple(float(s) for s in sigma_range)
        self.prob = prob
        self.min_sigma = min_sigma
        self.per_date_sigma = per_date_sigma

    def _blur(self, img, sigma):
        if sigma < self.min_sigma:
            return img
        ksize = 2 * int(np.ceil(3 * sigma)) + 1
        out = cv2_bands(img, lambda x: cv2.GaussianBlur(
            x, (ksize, ksize), sigma, borderType=cv2.BORDER_REFLECT_101))
        return restore_dtype(out, img)

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        if self.per_date_sigma:
            sigmas = [float(np.random.uniform(*self.sigma_range)) for _ in results['imgs']]
        else:
            sigmas = [float(np.random.uniform(*self.sigma_range))] * len(results['imgs'])
        results['imgs'] = [self._blur(img, s) for img, s in zip(results['imgs'], sigmas)]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(sigma_range={self.sigma_range}, prob={self.prob}, '
                f'per_date_sigma={self.per_date_sigma})')
