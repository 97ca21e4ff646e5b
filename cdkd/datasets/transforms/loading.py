"""Loading of the temporal images and the change mask (see docs/design.md, pipeline results)."""
import io
import os.path as osp

import cv2
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS

TIFF_SUFFIXES = ('.tif', '.tiff')
# tifffile axes letters that surely mean bands; 'Q'/'I' (pages) may also be rows of an H x W x C
# array written without planarconfig, so those fall back to the shape rule.
_BAND_AXES = 'SC'


def _read_bytes(path, backend_args):
    try:
        return fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'image file not found: {path}') from e
    except OSError as e:
        raise OSError(f'cannot read image file {path}: {e}') from e


def _tiff_to_hwc(arr, axes, path):
    """Bring a TIFF array to H x W x C whether its bands come first (planar) or last."""
    arr, axes = np.asarray(arr), str(axes)
    if len(axes) != arr.ndim:
        axes = '?' * arr.ndim
    # Drop singleton non-spatial axes (e.g. a one-page series or a single sample).
    keep = [i for i, n in enumerate(arr.shape) if n != 1 or axes[i] in 'YX']
    if len(keep) < arr.ndim:
        arr = arr.reshape([arr.shape[i] for i in keep])
        axes = ''.join(axes[i] for i in keep)
    if arr.ndim == 2:
        return arr[..., None]
    if arr.ndim != 3:
        raise ValueError(f'{path}: unsupported TIFF layout {arr.shape} (axes {axes}); expected '
                         'H x W, H x W x C or C x H x W')
    if len(axes) == 3 and axes[1:] == 'YX' and axes[0] in _BAND_AXES:
        band_first = True
    elif len(axes) == 3 and axes[:2] == 'YX':
        band_first = False
    else:  # pages or unknown axes: the band axis is the smaller end
        band_first = arr.shape[0] < arr.shape[2]
    return np.ascontiguousarray(arr.transpose(1, 2, 0)) if band_first else arr


def decode_image(content, path):
    """Decode bytes into an H x W x C array, bands in file order (RGB, never BGR).

    PNG/JPEG/BMP (8 or 16 bit, 1-4 channels) go through OpenCV; TIFF (any band count and dtype,
    band-first or band-last) through tifffile.
    """
    if osp.splitext(str(path))[1].lower() in TIFF_SUFFIXES:
        import tifffile
        try:
            with tifffile.TiffFile(io.BytesIO(content)) as tif:
                series = tif.series[0]
                return _tiff_to_hwc(series.asarray(), series.axes, path)
        except (tifffile.TiffFileError, ValueError, IndexError, KeyError) as e:
            # tifffile needs the optional imagecodecs package for LZW/deflate/JPEG compression;
            # OpenCV decodes those for up to 4 bands, so try it before giving up.
            img = _cv2_decode(content)
            if img is None:
                hint = ' (pip install imagecodecs)' if 'imagecodecs' in str(e) else ''
                raise OSError(f'cannot decode TIFF image {path} (corrupt or unsupported): '
                              f'{e}{hint}') from e
            return img
    img = _cv2_decode(content)
    if img is None:
        raise OSError(f'cannot decode image {path} (empty, corrupt or unsupported format)')
    return img


def _cv2_decode(content):
    """OpenCV decode to H x W x C with bands in file order, or None."""
    try:
        img = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    if img is None:
        return None
    if img.ndim == 2:
        return img[..., None]
    if img.shape[2] == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return img


def read_image(path, backend_args=None):
    """Read one image file as H x W x C, naming the file in every error."""
    return decode_image(_read_bytes(path, backend_args), path)


@TRANSFORMS.register_module()
class LoadMultiImageFromFile(BaseTransform):
    """Load every image of ``results['img_paths']`` (temporal order).

    Adds ``imgs`` (list of H x W x C_i arrays, dtype as stored), ``img_shape``, ``ori_shape`` and
    ``num_bands``. All dates must have the same height and width.

    Args:
        to_float32: convert every image to float32.
        backend_args: mmengine file backend arguments.
    """

    def __init__(self, to_float32=False, backend_args=None):
        self.to_float32 = to_float32
        self.backend_args = backend_args

    def transform(self, results):
        paths = results['img_paths']
        if not paths:
            raise ValueError('results["img_paths"] is empty')
        imgs = [read_image(p, self.backend_args) for p in paths]
        for p, img in zip(paths[1:], imgs[1:]):
            if img.shape[:2] != imgs[0].shape[:2]:
                raise ValueError(
                    f'temporal images differ in size: {paths[0]} is '
                    f'{imgs[0].shape[0]}x{imgs[0].shape[1]} (HxW) but {p} is '
                    f'{img.shape[0]}x{img.shape[1]}')
        if self.to_float32:
            imgs = [img.astype(np.float32) for img in imgs]
        results['imgs'] = imgs
        results['img_shape'] = imgs[0].shape[:2]
        results['ori_shape'] = imgs[0].shape[:2]
        results['num_bands'] = tuple(img.shape[2] for img in imgs)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(to_float32={self.to_float32})'


# Raw mask values each encoding accepts and their meaning: 0 unchanged, 1 changed, 255 ignore.
ENCODING_MAPS = {
    '0_255': {0: 0, 255: 1},
    '0_1': {0: 0, 1: 1, 255: 255},
    '1_2': {1: 0, 2: 1, 255: 255},  # OSCD's raw labels: 1 no change, 2 change
}
LABEL_ENCODINGS = tuple(ENCODING_MAPS) + ('auto', 'threshold')
THRESHOLD = 127  # 'threshold': > 127 is change


def _classes_under(encoding, values):
    """The classes (0/1) that ``encoding`` gives the raw ``values``, or None if it rejects one."""
    if encoding == 'threshold':
        return {int(v > THRESHOLD) for v in values}
    mapping = ENCODING_MAPS[encoding]
    if any(v not in mapping for v in values):
        return None
    return {mapping[v] for v in values} - {255}


def _suggest_encoding(values):
    """Advice for a mask whose values the configured encoding rejects: the exact encodings that
    accept them *and* separate them into unchanged and changed, else 'threshold' if it does;
    never one that makes every pixel one class (e.g. 'threshold' on OSCD's {1, 2})."""
    vals = sorted(set(int(v) for v in values))
    fitting, one_class = [], []
    for encoding in tuple(ENCODING_MAPS) + ('threshold', ):
        classes = _classes_under(encoding, vals)
        if classes is None:
            continue
        (fitting if len(classes) == 2 else one_class).append((encoding, classes))
    exact = [e for e, _ in fitting if e != 'threshold']  # 'threshold' only if nothing exact fits
    if fitting:
        return ' or '.join(f'label_encoding={e!r}' for e in exact or ['threshold'])
    names = ('unchanged', 'changed')
    note = '; '.join(f'label_encoding={e!r} would make every pixel {names[min(c)]!r}'
                     if c else f'label_encoding={e!r} would ignore every pixel'
                     for e, c in one_class)
    return ('no built-in encoding separates these values into unchanged and changed: convert the '
            'masks to 0/255 (or 0/1)' + (f' ({note})' if note else ''))


def encode_change_mask(mask, encoding, path=''):
    """Map a raw mask to uint8 {0, 1} (+255 = ignore where the encoding allows it).

    '0_255': {0, 255} -> {0, 1}, no ignore value. '0_1': {0, 1}, 255 = ignore. '1_2' (OSCD's
    raw labels): 1 -> unchanged, 2 -> changed, 255 = ignore. 'auto': '0_1' for a mask containing
    1, otherwise '0_255'. 'threshold': > 127 is change.
    """
    if encoding == 'threshold':
        return (mask > THRESHOLD).astype(np.uint8)
    if mask.dtype == np.uint8:
        present = np.flatnonzero(np.bincount(mask.ravel(), minlength=256))
    else:
        present = np.unique(mask)
    if encoding == 'auto':
        encoding = '0_1' if 1 in present else '0_255'
    mapping = ENCODING_MAPS.get(encoding)
    if mapping is None:
        raise ValueError(f'unknown label_encoding {encoding!r}; use one of {LABEL_ENCODINGS}')
    allowed = tuple(mapping)
    bad = [v for v in present if v not in mapping]
    if bad:
        shown = ', '.join(str(v) for v in bad[:10]) + (' ...' if len(bad) > 10 else '')
        raise ValueError(f'change mask {path} has values {shown} outside label_encoding '
                         f'{encoding!r} (allowed {allowed}); its values are '
                         f'{[v.item() for v in present[:12]]}; try {_suggest_encoding(present)}')
    lut = np.zeros(256, np.uint8)
    for raw, label in mapping.items():
        lut[raw] = label
    return lut[mask] if mask.dtype == np.uint8 else lut[mask.astype(np.int64)]


@TRANSFORMS.register_module()
class LoadChangeAnnotation(BaseTransform):
    """Load the change mask of ``results['seg_map_path']`` into ``gt_seg_map`` (uint8 0/1/255).

    Does nothing when ``seg_map_path`` is None (unlabelled split), so one pipeline serves both.
    The encoding comes from ``results['label_encoding']`` (set by the dataset) unless
    ``label_encoding`` is given here.
    """

    def __init__(self, label_encoding=None, backend_args=None):
        self.label_encoding = label_encoding
        self.backend_args = backend_args

    def transform(self, results):
        path = results.get('seg_map_path')
        if path is None:
            return results
        mask = read_image(path, self.backend_args)
        if mask.shape[2] > 1:
            colour = mask[..., :3]
            if mask.shape[2] not in (3, 4) or not (colour == colour[..., :1]).all():
                raise ValueError(f'change mask {path} has {mask.shape[2]} channels with different '
                                 'values; expected a single-channel (or grey) mask')
        mask = mask[..., 0]
        encoding = self.label_encoding or results.get('label_encoding', '0_255')
        gt = encode_change_mask(mask, encoding, path)
        if 'imgs' in results and gt.shape != results['imgs'][0].shape[:2]:
            img = results['imgs'][0]
            raise ValueError(f'change mask {path} is {gt.shape[0]}x{gt.shape[1]} (HxW) but image '
                             f'{results["img_paths"][0]} is {img.shape[0]}x{img.shape[1]}')
        results['gt_seg_map'] = gt
        fields = results.setdefault('seg_fields', [])
        if 'gt_seg_map' not in fields:
            fields.append('gt_seg_map')
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(label_encoding={self.label_encoding!r})'
