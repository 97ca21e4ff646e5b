"""Photometric distortion for multi-date, multi-band images of any dtype."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS
from .array_ops import dtype_range


def _data_scale(img):
    """Value range a unit of 255 stands for: 255 for uint8, else the image's own range."""
    if img.dtype == np.uint8:
        return 255.0
    lo, hi = float(img.min()), float(img.max())
    return max(hi - lo, 1e-6) if lo < 0 else max(hi, 1e-6)


@TRANSFORMS.register_module()
class MultiImgPhotoMetricDistortion(BaseTransform):
    """mmseg's PhotoMetricDistortion for every date, any band count and dtype.

    Each step fires with probability 0.5: brightness (add U(-delta, delta)), contrast (scale each
    band around its mean by U(contrast_range)), saturation (scale HSV S by U(saturation_range)),
    hue (shift HSV H by U(-hue_delta, hue_delta)); contrast goes first or last at random.
    Deltas are in 8-bit units: for uint8 they are used as is, for other dtypes they are scaled to
    the image's own value range (delta / 255 * range), so float and 12/16-bit data get comparable
    changes. Results are clipped to the dtype's range and cast back. Saturation and hue need
    colour, so they run only on 3-band images with non-negative values and are skipped otherwise.

    Args:
        shared: one random draw for all dates (same distortion everywhere) instead of one per date.
    """

    def __init__(self, brightness_delta=32, contrast_range=(0.5, 1.5),
                 saturation_range=(0.5, 1.5), hue_delta=18, shared=False):
        self.brightness_delta = brightness_delta
        self.contrast_range = tuple(contrast_range)
        self.saturation_range = tuple(saturation_range)
        self.hue_delta = hue_delta
        self.shared = shared

    def _draw(self):
        coin = lambda: bool(np.random.randint(2))  # noqa: E731
        return dict(
            brightness=np.random.uniform(-self.brightness_delta, self.brightness_delta)
            if coin() else None,
            contrast_first=coin(),
            contrast=np.random.uniform(*self.contrast_range) if coin() else None,
            saturation=np.random.uniform(*self.saturation_range) if coin() else None,
            hue=np.random.uniform(-self.hue_delta, self.hue_delta) if coin() else None)

    @staticmethod
    def _contrast(x, alpha):
        mean = x.reshape(-1, x.shape[2]).mean(0)
        return (x - mean) * np.float32(alpha) + mean

    @staticmethod
    def _colour(x, scale, saturation, hue):
        hsv = cv2.cvtColor(np.clip(x / scale, 0, 1).astype(np.float32), cv2.COLOR_RGB2HSV)
        if saturation is not None:
            hsv[..., 1] = np.clip(hsv[..., 1] * saturation, 0, 1)
        if hue is not None:  # 8-bit OpenCV hue units are 2 degrees
            hsv[..., 0] = np.mod(hsv[..., 0] + 2.0 * hue, 360.0)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * np.float32(scale)

    def distort(self, img, p):
        """Apply one draw ``p`` to one H x W x C image; returns the same dtype."""
        dtype, squeeze = img.dtype, img.ndim == 2
        x = (img[..., None] if squeeze else img).astype(np.float32)
        scale = _data_scale(img)
        if p['brightness'] is not None:
            x += np.float32(p['brightness'] / 255.0 * scale)
        if p['contrast_first'] and p['contrast'] is not None:
            x = self._contrast(x, p['contrast'])
        colour = p['saturation'] is not None or p['hue'] is not None
        if colour and x.shape[2] == 3 and img.min() >= 0:
            x = self._colour(x, scale, p['saturation'], p['hue'])
        if not p['contrast_first'] and p['contrast'] is not None:
            x = self._contrast(x, p['contrast'])
        lo, hi = dtype_range(dtype)
        if np.issubdtype(dtype, np.integer):
            x = np.rint(np.clip(x, lo, hi))
        x = x.astype(dtype)
        return x[..., 0] if squeeze else x

    def transform(self, results):
        imgs = results['imgs']
        draws = [self._draw()] * len(imgs) if self.shared else [self._draw() for _ in imgs]
        results['imgs'] = [self.distort(img, p) for img, p in zip(imgs, draws)]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(brightness_delta={self.brightness_delta}, '
                f'contrast_range={self.contrast_range}, saturation_range='
                f'{self.saturation_range}, hue_delta={self.hue_delta}, shared={self.shared})')
