"""torchvision's float-tensor ``ColorJitter`` and ``GaussianBlur`` arithmetic (torchvision 0.2x
``transforms/_functional_tensor.py``), re-implemented so that cdkd does not need torchvision, whose
wheels are tied to one torch build. ``tests/test_models/test_utils/test_color_jitter.py`` checks
every function against torchvision's own code.

All functions take float ``(..., 3, H, W)`` tensors. As in torchvision, brightness, contrast and
saturation blend and then **clamp to [0, 1]**, and the hue shift clamps the HSV intermediates
``p, q, t`` to [0, 1] (not ``v``); so on a tensor normalised to [-1, 1] (mean/std 0.5, as STKDNet's
official code applies it) every value below the mean is clipped to 0.
"""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch.nn import functional as F

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)  # torchvision's rgb_to_grayscale (TensorFlow's)


def rgb_to_gray(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    return (GRAY_WEIGHTS[0] * r + GRAY_WEIGHTS[1] * g + GRAY_WEIGHTS[2] * b).unsqueeze(-3)


def blend(img: Tensor, other: Tensor, ratio: float) -> Tensor:
    """``ratio * img + (1 - ratio) * other`` clamped to [0, 1] (torchvision's float bound)."""
    ratio = float(ratio)
    return (ratio * img + (1.0 - ratio) * other).clamp(0.0, 1.0)


def adjust_brightness(img: Tensor, factor: float) -> Tensor:
    return blend(img, torch.zeros_like(img), factor)


def adjust_contrast(img: Tensor, factor: float) -> Tensor:
    """Blend with the per-image mean grey level (over channels and pixels)."""
    return blend(img, rgb_to_gray(img).mean(dim=(-3, -2, -1), keepdim=True), factor)


def adjust_saturation(img: Tensor, factor: float) -> Tensor:
    return blend(img, rgb_to_gray(img), factor)


def rgb_to_hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = img.amax(dim=-3)
    minc = img.amin(dim=-3)
    flat = maxc == minc
    chroma = maxc - minc
    ones = torch.ones_like(maxc)
    s = chroma / torch.where(flat, ones, maxc)
    denom = torch.where(flat, ones, chroma)
    rc, gc, bc = (maxc - r) / denom, (maxc - g) / denom, (maxc - b) / denom
    # Sector by the channel holding the maximum, r before g before b on ties.
    h = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = torch.fmod(h / 6.0 + 1.0, 1.0)
    return torch.stack((h, s, maxc), dim=-3)


def hsv_to_rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    sector = torch.floor(h * 6.0)
    frac = h * 6.0 - sector
    sector = sector.to(torch.int64) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * frac)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - frac))).clamp(0.0, 1.0)
    # (r, g, b) of each of the six sectors.
    table = torch.stack([
        torch.stack((v, q, p, p, t, v), dim=0),
        torch.stack((t, v, v, q, p, p), dim=0),
        torch.stack((p, p, t, v, v, q), dim=0)], dim=0)           # 3, 6, ...
    index = sector.unsqueeze(0).unsqueeze(0).expand(3, 1, *sector.shape)
    return table.gather(1, index).squeeze(1).movedim(0, -3)


def adjust_hue(img: Tensor, factor: float) -> Tensor:
    if not -0.5 <= factor <= 0.5:
        raise ValueError(f'hue factor must be in [-0.5, 0.5], got {factor}')
    h, s, v = rgb_to_hsv(img).unbind(dim=-3)
    return hsv_to_rgb(torch.stack(((h + factor) % 1.0, s, v), dim=-3))


def gaussian_kernel1d(kernel_size: int, sigma: float, dtype=torch.float32,
                      device=None) -> Tensor:
    half = (kernel_size - 1) * 0.5
    x = torch.linspace(-half, half, steps=kernel_size, dtype=dtype, device=device)
    pdf = torch.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def gaussian_blur(img: Tensor, kernel_size: Sequence[int], sigma: Sequence[float]) -> Tensor:
    """Depthwise Gaussian blur with reflect padding; ``kernel_size``/``sigma`` as ``(x, y)``."""
    kx, ky = kernel_size
    kernel = torch.outer(gaussian_kernel1d(ky, sigma[1], img.dtype, img.device),
                         gaussian_kernel1d(kx, sigma[0], img.dtype, img.device))
    shape = img.shape
    x = img.reshape(-1, shape[-3], shape[-2], shape[-1])
    x = F.pad(x, [kx // 2, kx // 2, ky // 2, ky // 2], mode='reflect')
    x = F.conv2d(x, kernel.expand(shape[-3], 1, ky, kx), groups=shape[-3])
    return x.reshape(shape)


def jitter_range(value: float, name: str, center: float = 1.0,
                 bound: Tuple[float, float] = (0.0, float('inf'))) -> Optional[Tuple[float, float]]:
    """torchvision's ``ColorJitter._check_input`` for a number or a ``(min, max)`` pair; None when
    the range is the identity."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f'{name} must be non-negative, got {value}')
        lo, hi = center - float(value), center + float(value)
        if center == 1.0:
            lo = max(lo, 0.0)
    else:
        lo, hi = (float(v) for v in value)
    if not bound[0] <= lo <= hi <= bound[1]:
        raise ValueError(f'{name} range ({lo}, {hi}) must lie in {bound}')
    return None if lo == hi == center else (lo, hi)


def color_jitter_params(brightness, contrast, saturation, hue, generator=None):
    """One draw as torchvision's ``ColorJitter.get_params``, in its order: the op permutation,
    then each factor (skipped where its range is None)."""
    order = torch.randperm(4, generator=generator).tolist()

    def draw(rng):
        return None if rng is None else float(
            torch.empty(1).uniform_(rng[0], rng[1], generator=generator))

    return order, draw(brightness), draw(contrast), draw(saturation), draw(hue)


COLOR_OPS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)


def apply_color_jitter(img: Tensor, order, *factors) -> Tensor:
    for i in order:
        if factors[i] is not None:
            img = COLOR_OPS[i](img, factors[i])
    return img
