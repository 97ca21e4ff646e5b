"""Turn any remote-sensing image (band count, dtype) into a displayable uint8 RGB array."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def select_bands(image: np.ndarray, display_bands: Optional[Sequence[int]] = None) -> np.ndarray:
    """Bands to display, as an ``H x W x k`` array with k in {1, 3}.

    - ``display_bands`` given: those bands (0-based, file order), 1 or 3 of them;
    - else ``C >= 3``: the first three bands (a PNG/JPEG/RGB GeoTIFF is R, G, B);
    - else (``C`` = 1 or 2): the first band, shown as grey.

    Raises:
        ValueError: the image is not 2-D/3-D, ``display_bands`` has a length other than 1 or 3,
            or names a band the image lacks.
    """
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise ValueError(f'expected an H x W or H x W x C image, got shape {image.shape}')
    num_bands = image.shape[2]
    if display_bands is None:
        display_bands = (0, 1, 2) if num_bands >= 3 else (0, )
    display_bands = [int(b) for b in display_bands]
    if len(display_bands) not in (1, 3):
        raise ValueError(f'display_bands must name 1 or 3 bands, got {display_bands}')
    bad = [b for b in display_bands if not -num_bands <= b < num_bands]
    if bad:
        raise ValueError(f'display_bands {display_bands} out of range for a {num_bands}-band '
                         'image')
    return image[..., display_bands]


def stretch_to_uint8(bands: np.ndarray,
                     percentiles: Tuple[float, float] = (2.0, 98.0)) -> np.ndarray:
    """Linear per-band stretch of ``bands`` (``H x W x k``) to uint8.

    uint8 is returned unchanged and bool becomes 0/255. Any other dtype (uint16, int16, float)
    is stretched band by band: ``lo, hi`` = the ``percentiles`` of the band's finite values,
    ``out = clip((x - lo) / (hi - lo), 0, 1) * 255`` rounded; a band with ``hi == lo`` (constant)
    or no finite value maps to 0, and NaN/inf pixels map to 0.
    """
    if bands.dtype == np.uint8:
        return bands
    if bands.dtype == np.bool_:
        return bands.astype(np.uint8) * 255
    out = np.zeros(bands.shape, dtype=np.uint8)
    for c in range(bands.shape[2]):
        band = bands[..., c].astype(np.float64)
        finite = np.isfinite(band)
        if not finite.any():
            continue
        lo, hi = np.percentile(band[finite], percentiles)
        if hi <= lo:
            continue
        scaled = np.clip((band - lo) / (hi - lo), 0.0, 1.0) * 255.0
        out[..., c] = np.where(finite, np.rint(scaled), 0).astype(np.uint8)
    return out


def to_display_rgb(image: np.ndarray,
                   display_bands: Optional[Sequence[int]] = None,
                   percentiles: Tuple[float, float] = (2.0, 98.0)) -> np.ndarray:
    """Displayable ``H x W x 3`` uint8 RGB of an image with any band count and dtype.

    Bands are chosen by :func:`select_bands` (first three, chosen ``display_bands``, or one
    band as grey), then :func:`stretch_to_uint8` applies the percentile 2-98 stretch to non-uint8
    data. A single band is repeated into R = G = B.

    Args:
        image: ``H x W`` or ``H x W x C`` array (numpy, or anything ``np.asarray`` accepts).
        display_bands: 0-based band indices, 1 or 3 of them; ``None`` = default choice.
        percentiles: low/high percentiles of the stretch.
    """
    if hasattr(image, 'detach'):  # torch tensor, C x H x W as packed by the pipeline
        image = image.detach().cpu().numpy()
        if image.ndim == 3:
            image = image.transpose(1, 2, 0)
    rgb = stretch_to_uint8(select_bands(np.asarray(image), display_bands), percentiles)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    return np.ascontiguousarray(rgb)


def draw_change_overlay(image: np.ndarray,
                        mask: np.ndarray,
                        color: Tuple[int, int, int] = (255, 0, 0),
                        alpha: float = 0.5,
                        display_bands: Optional[Sequence[int]] = None) -> np.ndarray:
    """Blend ``color`` over the changed pixels of an image.

    ``rgb = to_display_rgb(image, display_bands)`` (a uint8 RGB input passes unchanged), then
    ``out = (1 - alpha) * rgb + alpha * color`` (rounded) where ``mask != 0`` and ``rgb``
    elsewhere. Any nonzero mask value counts as change, so 0/1 and 0/255 masks both work; clear
    ignore labels (255 in a 0/1/255 mask) before calling. A mask of another size is resized to
    the image (nearest neighbour); numpy or torch, ``H x W`` or ``1 x H x W``.

    Returns:
        ``H x W x 3`` uint8 RGB.
    """
    rgb = to_display_rgb(image, display_bands)
    if hasattr(mask, 'detach'):
        mask = mask.detach().cpu().numpy()
    on = (np.asarray(mask) != 0).squeeze().astype(np.uint8)
    if on.shape != rgb.shape[:2]:
        on = cv2.resize(on, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST)
    on = on.astype(bool)
    out = rgb.copy()
    blended = (1 - alpha) * rgb[on].astype(np.float32) + alpha * np.asarray(color, np.float32)
    out[on] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out
