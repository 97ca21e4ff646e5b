"""Gaussian blur of every date with a random radius (GOLD's online augmentation)."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiImgRandomGaussianBlur(BaseTransform):
    """With probability ``prob``, blur each date with a Gaussian of sigma ~ U(sigma_range), one
    draw per date (the official GOLD augmentation: PIL ``GaussianBlur(radius=U(0, 1))`` on every
    image, always). Masks are untouched; sigma 0 leaves an image as is."""

    def __init__(self, sigma_range=(0.0, 1.0), prob: float = 1.0):
        low, high = (float(v) for v in sigma_range)
        if not 0 <= low <= high:
            raise ValueError(f'sigma_range must satisfy 0 <= low <= high, got {sigma_range!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must lie in [0, 1], got {prob!r}')
        self.sigma_range, self.prob = (low, high), float(prob)

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        out = []
        for img in results['imgs']:
            sigma = np.random.uniform(*self.sigma_range)
            if sigma > 0:
                blurred = cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, sigmaY=sigma,
                                           borderType=cv2.BORDER_REFLECT_101)
                img = blurred.reshape(img.shape)  # cv2 drops a trailing single band
            out.append(img)
        results['imgs'] = out
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(sigma_range={self.sigma_range}, '
                f'prob={self.prob})')
