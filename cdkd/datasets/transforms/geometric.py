"""Geometric transforms for bi-temporal (multi-image) samples.

Each transform draws its random parameters once per sample and applies them to every array of
``results['imgs']`` and every key of ``results['seg_fields']``, for any band count and dtype.
(mmseg/mmcv's transforms assume one ``img`` of 3-band uint8, so they cannot be reused here.)
Masks always use nearest sampling and their own pad value (255 = ignore).
Randomness comes from ``np.random`` like mmseg's transforms, so mmengine's seeding applies.
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS
from .array_ops import pad_to, resize, warp_affine


def _apply(results, img_fn, seg_fn):
    """Run ``img_fn`` on every image and ``seg_fn`` on every seg field, then update img_shape."""
    results['imgs'] = [img_fn(img) for img in results['imgs']]
    for key in results.get('seg_fields', []):
        results[key] = seg_fn(results[key])
    results['img_shape'] = results['imgs'][0].shape[:2]
    return results


def _pair(value, name):
    if isinstance(value, (int, float)):
        return value, value
    if len(value) != 2:
        raise ValueError(f'{name} must be a number or a pair, got {value!r}')
    return tuple(value)


@TRANSFORMS.register_module()
class MultiImgRandomCrop(BaseTransform):
    """Random crop of ``crop_size = (h, w)`` (mmseg convention); smaller images stay whole.

    Args:
        cat_max_ratio: if < 1, retry (up to 10 crops) until no single class of ``gt_seg_map``
            (ignoring ``ignore_index``) covers this fraction of the crop, as mmseg's RandomCrop.
    """

    def __init__(self, crop_size, cat_max_ratio=1.0, ignore_index=255):
        self.crop_size = tuple(int(v) for v in _pair(crop_size, 'crop_size'))
        if min(self.crop_size) <= 0:
            raise ValueError(f'crop_size must be positive, got {crop_size!r}')
        self.cat_max_ratio = cat_max_ratio
        self.ignore_index = ignore_index

    def _random_bbox(self, h, w):
        margin_h, margin_w = max(h - self.crop_size[0], 0), max(w - self.crop_size[1], 0)
        y0, x0 = np.random.randint(0, margin_h + 1), np.random.randint(0, margin_w + 1)
        return y0, min(y0 + self.crop_size[0], h), x0, min(x0 + self.crop_size[1], w)

    def transform(self, results):
        h, w = results['imgs'][0].shape[:2]
        bbox = self._random_bbox(h, w)
        if self.cat_max_ratio < 1.0 and 'gt_seg_map' in results:
            for _ in range(10):
                y0, y1, x0, x1 = bbox
                labels, counts = np.unique(results['gt_seg_map'][y0:y1, x0:x1], return_counts=True)
                counts = counts[labels != self.ignore_index]
                if len(counts) > 1 and counts.max() / counts.sum() < self.cat_max_ratio:
                    break
                bbox = self._random_bbox(h, w)
        y0, y1, x0, x1 = bbox
        crop = lambda a: np.ascontiguousarray(a[y0:y1, x0:x1])  # noqa: E731
        return _apply(results, crop, crop)

    def __repr__(self):
        return f'{self.__class__.__name__}(crop_size={self.crop_size}, ' \
               f'cat_max_ratio={self.cat_max_ratio})'


_FLIPS = {
    'horizontal': lambda a: np.ascontiguousarray(a[:, ::-1]),
    'vertical': lambda a: np.ascontiguousarray(a[::-1]),
    'diagonal': lambda a: np.ascontiguousarray(a[::-1, ::-1]),
}


@TRANSFORMS.register_module()
class MultiImgRandomFlip(BaseTransform):
    """Flip all dates and masks the same way; records ``flip`` and ``flip_direction``.

    Args:
        prob: flip probability; with a list of directions either one float (shared equally) or one
            probability per direction (as mmcv's RandomFlip).
        direction: 'horizontal', 'vertical', 'diagonal' (both axes), or a list of them.
    """

    def __init__(self, prob=0.5, direction='horizontal'):
        directions = [direction] if isinstance(direction, str) else list(direction)
        for d in directions:
            if d not in _FLIPS:
                raise ValueError(f'unknown flip direction {d!r}; use {sorted(_FLIPS)}')
        if isinstance(prob, (list, tuple)):
            if len(prob) != len(directions):
                raise ValueError(f'{len(prob)} probabilities for {len(directions)} directions')
            probs = [float(p) for p in prob]
        else:
            probs = [float(prob) / len(directions)] * len(directions)
        if not 0 <= sum(probs) <= 1 or min(probs) < 0:
            raise ValueError(f'flip probabilities must lie in [0, 1] and sum to <= 1: {prob!r}')
        self.prob, self.direction = prob, direction
        self._choices = directions + [None]
        self._probs = probs + [1.0 - sum(probs)]

    def transform(self, results):
        choice = self._choices[np.random.choice(len(self._choices), p=self._probs)]
        results['flip'] = choice is not None
        results['flip_direction'] = choice
        if choice is None:
            return results
        return _apply(results, _FLIPS[choice], _FLIPS[choice])

    def __repr__(self):
        return f'{self.__class__.__name__}(prob={self.prob}, direction={self.direction!r})'


@TRANSFORMS.register_module()
class MultiImgRandomRotate90(BaseTransform):
    """With probability ``prob`` rotate by k * 90 degrees, k drawn from {1, 2, 3}."""

    def __init__(self, prob=0.5):
        self.prob = prob

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        k = int(np.random.randint(1, 4))
        results['rotate90_k'] = k
        rot = lambda a: np.ascontiguousarray(np.rot90(a, k, axes=(0, 1)))  # noqa: E731
        return _apply(results, rot, rot)

    def __repr__(self):
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class MultiImgRandomRotate(BaseTransform):
    """With probability ``prob`` rotate by an angle drawn from ``degree`` (clockwise, as mmcv).

    Args:
        degree: ``d`` (range (-d, d)) or ``(min, max)``.
        pad_val / seg_pad_val: fill of the uncovered corners for images / masks.
        center: rotation centre (x, y); default the image centre.
        auto_bound: grow the canvas to hold the whole rotated image.
        interpolation: for images ('bilinear', 'bicubic' or 'nearest'); masks always nearest.
    """

    def __init__(self, prob, degree, pad_val=0, seg_pad_val=255, center=None, auto_bound=False,
                 interpolation='bilinear'):
        self.prob = prob
        low, high = _pair(degree, 'degree')
        self.degree = (-abs(low), abs(low)) if isinstance(degree, (int, float)) else (low, high)
        self.pad_val, self.seg_pad_val = pad_val, seg_pad_val
        self.center, self.auto_bound = center, auto_bound
        self.interpolation = interpolation

    def _matrix(self, h, w, angle):
        cx, cy = self.center if self.center is not None else ((w - 1) * 0.5, (h - 1) * 0.5)
        m = cv2.getRotationMatrix2D((cx, cy), -angle, 1.0)
        if not self.auto_bound:
            return m, (w, h)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        new_w, new_h = int(np.round(h * sin + w * cos)), int(np.round(h * cos + w * sin))
        m[0, 2] += (new_w - w) * 0.5
        m[1, 2] += (new_h - h) * 0.5
        return m, (new_w, new_h)

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        angle = float(np.random.uniform(*self.degree))
        h, w = results['imgs'][0].shape[:2]
        m, size = self._matrix(h, w, angle)
        results['rotate_degree'] = angle
        return _apply(
            results,
            lambda a: warp_affine(a, m, size, self.interpolation, self.pad_val),
            lambda a: warp_affine(a, m, size, 'nearest', self.seg_pad_val))

    def __repr__(self):
        return f'{self.__class__.__name__}(prob={self.prob}, degree={self.degree})'


def _target_size(h, w, scale, keep_ratio):
    """Output (w, h): ``scale=(w, h)`` exactly, or with ``keep_ratio`` the largest size whose long
    and short sides fit ``max(scale)`` and ``min(scale)`` (mmcv's rescale rule)."""
    if isinstance(scale, (int, float)):
        factor = float(scale)
    elif keep_ratio:
        factor = min(max(scale) / max(h, w), min(scale) / min(h, w))
    else:
        return int(scale[0]), int(scale[1])
    return int(w * factor + 0.5), int(h * factor + 0.5)


def resize_results(results, scale, keep_ratio, interpolation):
    h, w = results['imgs'][0].shape[:2]
    new_w, new_h = _target_size(h, w, scale, keep_ratio)
    if min(new_w, new_h) <= 0:
        raise ValueError(f'resize of a {h}x{w} image with scale {scale!r} gives {new_h}x{new_w}')
    results = _apply(results, lambda a: resize(a, (new_w, new_h), interpolation),
                     lambda a: resize(a, (new_w, new_h), 'nearest'))
    results['scale'] = (new_w, new_h)
    results['scale_factor'] = (new_w / w, new_h / h)
    results['keep_ratio'] = keep_ratio
    return results


@TRANSFORMS.register_module()
class MultiImgResize(BaseTransform):
    """Resize all dates (``interpolation``) and masks (nearest); records ``scale_factor`` (w, h).

    Args:
        scale: target ``(w, h)`` (mmcv convention) or a float factor.
        keep_ratio: keep the aspect ratio, fitting the long/short sides into max/min of ``scale``.
    """

    def __init__(self, scale, keep_ratio=False, interpolation='bilinear'):
        self.scale, self.keep_ratio, self.interpolation = scale, keep_ratio, interpolation

    def transform(self, results):
        return resize_results(results, self.scale, self.keep_ratio, self.interpolation)

    def __repr__(self):
        return f'{self.__class__.__name__}(scale={self.scale}, keep_ratio={self.keep_ratio})'


@TRANSFORMS.register_module()
class MultiImgRandomResize(BaseTransform):
    """Resize to a random scale: ``scale * r`` with r ~ U(ratio_range), or, without
    ``ratio_range`` and ``scale=[(w0, h0), (w1, h1)]``, each side drawn between the two."""

    def __init__(self, scale, ratio_range=None, keep_ratio=True, interpolation='bilinear'):
        self.scale, self.ratio_range = scale, ratio_range
        self.keep_ratio, self.interpolation = keep_ratio, interpolation
        if ratio_range is None and not (isinstance(scale, (list, tuple)) and len(scale) == 2
                                        and all(isinstance(s, (list, tuple)) for s in scale)):
            raise ValueError('give ratio_range, or scale as two (w, h) bounds')

    def _random_scale(self):
        if self.ratio_range is not None:
            r = np.random.uniform(*self.ratio_range)
            if isinstance(self.scale, (int, float)):
                return self.scale * r
            return int(self.scale[0] * r), int(self.scale[1] * r)
        (w0, h0), (w1, h1) = self.scale
        return (np.random.randint(min(w0, w1), max(w0, w1) + 1),
                np.random.randint(min(h0, h1), max(h0, h1) + 1))

    def transform(self, results):
        return resize_results(results, self._random_scale(), self.keep_ratio, self.interpolation)

    def __repr__(self):
        return f'{self.__class__.__name__}(scale={self.scale}, ratio_range={self.ratio_range})'


@TRANSFORMS.register_module()
class MultiImgPad(BaseTransform):
    """Pad at the bottom/right to ``size = (w, h)`` (mmcv convention) or to a multiple of
    ``size_divisor``; images get ``pad_val``, masks ``seg_pad_val``. Records ``pad_shape``."""

    def __init__(self, size=None, size_divisor=None, pad_val=0, seg_pad_val=255):
        if (size is None) == (size_divisor is None):
            raise ValueError('give exactly one of size and size_divisor')
        self.size = None if size is None else tuple(int(v) for v in _pair(size, 'size'))
        self.size_divisor, self.pad_val, self.seg_pad_val = size_divisor, pad_val, seg_pad_val

    def transform(self, results):
        h, w = results['imgs'][0].shape[:2]
        if self.size is not None:
            out_w, out_h = max(self.size[0], w), max(self.size[1], h)
        else:
            d = int(self.size_divisor)
            out_h, out_w = -(-h // d) * d, -(-w // d) * d
        results = _apply(results, lambda a: pad_to(a, out_h, out_w, self.pad_val),
                         lambda a: pad_to(a, out_h, out_w, self.seg_pad_val))
        results['pad_shape'] = (out_h, out_w)
        results['pad_fixed_size'] = self.size
        results['pad_size_divisor'] = self.size_divisor
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(size={self.size}, size_divisor={self.size_divisor}, ' \
               f'pad_val={self.pad_val}, seg_pad_val={self.seg_pad_val})'
