"""STKDNet's official student view as a batch-level augmentation of the normalised inputs."""
from typing import Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from cdkd.models.utils.color_jitter import (apply_color_jitter, color_jitter_params,
                                            gaussian_blur, jitter_range)
from cdkd.registry import MODELS

SPACES = ('normalized', 'image')


@MODELS.register_module()
class ColorJitterBlurStudentView(nn.Module):
    """``ColorJitter(brightness, contrast, saturation, hue)`` then ``GaussianBlur(kernel_size,
    sigma)`` on image B of a preprocessed batch, as STKDNet's ``strong_argument``
    (``models/trainer.py:42-52``, applied at ``:342``).

    The arithmetic and the random draws are torchvision's (see ``cdkd.models.utils.color_jitter``):
    the order of the four colour ops is a fresh random permutation per draw, each factor is
    uniform in its range, then one sigma for the blur, all from torch's global generator.

    Args:
        space: ``'normalized'`` (official): the ops run on the normalised tensor itself, so the
            [0, 1] clamp of torchvision's float ColorJitter clips everything below the
            normalisation mean (with mean/std 0.5: all values in [-1, 0) become 0).
            ``'image'``: the tensor is first mapped back to [0, 1] (``x * std + mean`` divided by
            ``value_scale``), jittered and blurred there, and normalised again; only values the
            jitter pushes out of [0, 1] are clipped.
        per_sample: False (official): one draw for the whole batch, as torchvision applied to a
            4-D tensor; True: an independent draw per sample.
        target: index of the perturbed date (1 = B).
        value_scale: data value of white (255 for 8-bit images), for ``space='image'``.
    """

    def __init__(self,
                 brightness: Union[float, Sequence[float]] = 0.4,
                 contrast: Union[float, Sequence[float]] = 0.4,
                 saturation: Union[float, Sequence[float]] = 0.4,
                 hue: Union[float, Sequence[float]] = 0.1,
                 kernel_size: int = 3,
                 sigma: Tuple[float, float] = (0.1, 2.0),
                 space: str = 'normalized',
                 per_sample: bool = False,
                 target: int = 1,
                 value_scale: float = 255.0):
        super().__init__()
        if space not in SPACES:
            raise ValueError(f'space must be one of {SPACES}, got {space!r}')
        if kernel_size <= 0 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd and positive, got {kernel_size}')
        if not 0.0 < sigma[0] <= sigma[1]:
            raise ValueError(f'sigma must be (min, max) with 0 < min <= max, got {sigma}')
        self.ranges = (jitter_range(brightness, 'brightness'), jitter_range(contrast, 'contrast'),
                       jitter_range(saturation, 'saturation'),
                       jitter_range(hue, 'hue', center=0.0, bound=(-0.5, 0.5)))
        self.kernel_size = int(kernel_size)
        self.sigma = (float(sigma[0]), float(sigma[1]))
        self.space = space
        self.per_sample = per_sample
        self.target = target
        self.value_scale = float(value_scale)

    def perturb(self, img: Tensor) -> Tensor:
        """ColorJitter then GaussianBlur with one random draw, on a ``(..., 3, H, W)`` tensor."""
        img = apply_color_jitter(img, *color_jitter_params(*self.ranges))
        s = float(torch.empty(1).uniform_(self.sigma[0], self.sigma[1]))
        return gaussian_blur(img, (self.kernel_size, self.kernel_size), (s, s))

    def forward(self, inputs: Tensor, temporal_bands: Sequence[int], mean: Tensor = None,
                std: Tensor = None) -> Tensor:
        """The student batch: ``inputs`` (N, sum(bands), H, W) with date ``target`` perturbed.

        ``mean``/``std``: the preprocessor's per-channel statistics of all stacked channels
        (needed for ``space='image'``).
        """
        start = sum(temporal_bands[:self.target])
        bands = temporal_bands[self.target]
        if bands != 3:
            raise ValueError(f'ColorJitterBlurStudentView needs an RGB image at date '
                             f'{self.target}, got {bands} bands (temporal_bands={temporal_bands})')
        img = inputs[:, start:start + 3]
        if self.space == 'image':
            if mean is None or std is None:
                raise ValueError("space='image' needs the preprocessor's mean and std")
            m = mean.reshape(-1)[start:start + 3].view(1, 3, 1, 1)
            sd = std.reshape(-1)[start:start + 3].view(1, 3, 1, 1)
            img = (img * sd + m) / self.value_scale
        if self.per_sample:
            img = torch.cat([self.perturb(x[None]) for x in img])
        else:
            img = self.perturb(img)
        if self.space == 'image':
            img = (img * self.value_scale - m) / sd
        out = inputs.clone()
        out[:, start:start + 3] = img
        return out

    def extra_repr(self) -> str:
        return (f'ranges={self.ranges}, kernel_size={self.kernel_size}, sigma={self.sigma}, '
                f'space={self.space!r}, per_sample={self.per_sample}, target={self.target}')
