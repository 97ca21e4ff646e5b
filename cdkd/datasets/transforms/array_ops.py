"""Band-count and dtype agnostic array operations used by the multi-image transforms.

OpenCV's resize/warpAffine take any band count in recent versions, but their multi-channel code
paths differ from the 1-4 channel ones (results can differ by one level, and for INTER_NEAREST
even pick a different source pixel at ties). So:

* nearest-neighbour sampling (masks, or images on request) is done with numpy index maps, which
  pick exactly the same source pixel for every band count and dtype;
* linear interpolation runs through OpenCV in groups of at most 4 bands, on a dtype OpenCV
  supports (others go through float64 and back).
"""
import cv2
import numpy as np

_CV2_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)
_MAX_CV2_BANDS = 4


def as_hwc(img):
    """View a 2-D array as H x W x 1."""
    return img[..., None] if img.ndim == 2 else img


def _cv2_linear(img, fn):
    """Apply an OpenCV ``fn`` band group by band group; keeps the input's dtype and ndim."""
    squeeze = img.ndim == 2
    img = as_hwc(img)
    dtype = img.dtype
    work = img if dtype.type in _CV2_DTYPES else img.astype(np.float64)
    groups = []
    for start in range(0, work.shape[2], _MAX_CV2_BANDS):
        out = fn(np.ascontiguousarray(work[..., start:start + _MAX_CV2_BANDS]))
        groups.append(as_hwc(out))
    out = np.concatenate(groups, axis=2) if len(groups) > 1 else groups[0]
    if out.dtype != dtype:
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            out = np.clip(np.rint(out), info.min, info.max)
        out = out.astype(dtype)
    return out[..., 0] if squeeze else out


def resize(img, size, interpolation='bilinear'):
    """Resize to ``size = (w, h)``.

    ``'nearest'`` samples the source pixel whose centre is closest (pixel-centre aligned, like the
    linear modes), identical for all bands and dtypes.
    """
    w, h = int(size[0]), int(size[1])
    src_h, src_w = img.shape[:2]
    if interpolation == 'nearest':
        ys = np.minimum(((np.arange(h) + 0.5) * (src_h / h)).astype(np.int64), src_h - 1)
        xs = np.minimum(((np.arange(w) + 0.5) * (src_w / w)).astype(np.int64), src_w - 1)
        return np.ascontiguousarray(img[ys][:, xs])
    flags = dict(bilinear=cv2.INTER_LINEAR, bicubic=cv2.INTER_CUBIC, area=cv2.INTER_AREA)
    if interpolation not in flags:
        raise ValueError(f'unknown interpolation {interpolation!r}; use nearest, bilinear, '
                         'bicubic or area')
    return _cv2_linear(img, lambda x: cv2.resize(x, (w, h), interpolation=flags[interpolation]))


def warp_affine(img, matrix, size, interpolation='bilinear', border_value=0):
    """Warp with a 2x3 ``matrix`` (destination <- source, OpenCV convention) to ``size=(w, h)``.

    Pixels mapped from outside the source get ``border_value``.
    """
    w, h = int(size[0]), int(size[1])
    if interpolation == 'nearest':
        inv = cv2.invertAffineTransform(np.asarray(matrix, np.float64))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        sx = np.floor(inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2] + 0.5).astype(np.int64)
        sy = np.floor(inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2] + 0.5).astype(np.int64)
        src_h, src_w = img.shape[:2]
        valid = (sx >= 0) & (sx < src_w) & (sy >= 0) & (sy < src_h)
        out = img[np.clip(sy, 0, src_h - 1), np.clip(sx, 0, src_w - 1)]
        out[~valid] = border_value
        return out
    flags = dict(bilinear=cv2.INTER_LINEAR, bicubic=cv2.INTER_CUBIC)
    if interpolation not in flags:
        raise ValueError(f'unknown interpolation {interpolation!r}; use nearest, bilinear or '
                         'bicubic')
    m = np.asarray(matrix, np.float64)
    return _cv2_linear(img, lambda x: cv2.warpAffine(
        x, m, (w, h), flags=flags[interpolation], borderMode=cv2.BORDER_CONSTANT,
        borderValue=(border_value, ) * 4))


def pad_to(img, height, width, value):
    """Pad at the bottom and right to ``height x width`` with a constant."""
    pad_h, pad_w = height - img.shape[0], width - img.shape[1]
    if pad_h < 0 or pad_w < 0:
        raise ValueError(f'cannot pad a {img.shape[0]}x{img.shape[1]} image to {height}x{width}')
    widths = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (img.ndim - 2)
    return np.pad(img, widths, mode='constant', constant_values=value)


def dtype_range(dtype):
    """(min, max) representable by ``dtype``; floats are unbounded."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    if dtype == np.bool_:
        return 0.0, 1.0
    return -np.inf, np.inf
