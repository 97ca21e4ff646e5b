"""Random Gaussian blur of every date (BIT/STKDNet's ``with_random_blur`` augmentation)."""
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
    """

    def __init__(self, sigma_range=(0.0, 1.0), prob=1.0, min_sigma=1e-3):
        if not 0.0 <= sigma_range[0] <= sigma_range[1]:
            raise ValueError(f'sigma_range must be (min, max) with 0 <= min <= max, '
                             f'got {sigma_range}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.sigma_range = tuple(float(s) for s in sigma_range)
        self.prob = prob
        self.min_sigma = min_sigma

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        sigma = float(np.random.uniform(*self.sigma_range))
        if sigma < self.min_sigma:
            return results
        ksize = 2 * int(np.ceil(3 * sigma)) + 1

        def blur(img):
            out = cv2_bands(img, lambda x: cv2.GaussianBlur(
                x, (ksize, ksize), sigma, borderType=cv2.BORDER_REFLECT_101))
            return restore_dtype(out, img)

        results['imgs'] = [blur(img) for img in results['imgs']]
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(sigma_range={self.sigma_range}, prob={self.prob})'
