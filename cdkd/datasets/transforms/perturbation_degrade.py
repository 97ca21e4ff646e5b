"""Student-view perturbations of image B, part 2: noise, blur, compression, occlusion and
registration error. The contract (B only, dtype/range kept, seeded) is in ``perturbation.py``."""
import math

import cv2
import numpy as np

from cdkd.registry import TRANSFORMS
from .array_ops import as_hwc
from .perturbation import BaseStudentPerturbation, _uniform, cv2_bands
from .photometric import _data_scale


@TRANSFORMS.register_module()
class StudentGaussianNoise(BaseStudentPerturbation):
    """Add i.i.d. N(0, (s x data scale)^2) noise per pixel and band, s ~ U(std_range)."""

    def __init__(self, std_range=(0.01, 0.05), **kwargs):
        super().__init__(**kwargs)
        self.std_range = tuple(std_range)

    def perturb(self, img, results):
        std = _uniform(self.std_range) * _data_scale(img)
        return img.astype(np.float32) + np.random.normal(0, std, img.shape).astype(np.float32)

    def _extra_repr(self):
        return f', std_range={self.std_range}'


@TRANSFORMS.register_module()
class StudentSpeckleNoise(BaseStudentPerturbation):
    """Multiplicative speckle of an L-look SAR intensity image: x' = x n, n ~ Gamma(L, 1/L) (mean 1,
    variance 1/L), L ~ U(looks_range). For data in dB (negative values) the noise is applied in
    the linear domain: x' = x + 10 log10(n)."""

    def __init__(self, looks_range=(2.0, 8.0), **kwargs):
        super().__init__(**kwargs)
        self.looks_range = tuple(looks_range)

    def perturb(self, img, results):
        looks = _uniform(self.looks_range)
        noise = np.random.gamma(looks, 1.0 / looks, img.shape).astype(np.float32)
        x = img.astype(np.float32)
        if img.min() < 0:
            return x + 10.0 * np.log10(np.maximum(noise, 1e-6))
        return x * noise

    def _extra_repr(self):
        return f', looks_range={self.looks_range}'


@TRANSFORMS.register_module()
class StudentGaussianBlur(BaseStudentPerturbation):
    """Gaussian blur with sigma ~ U(sigma_range) pixels (kernel 2 ceil(3 sigma) + 1)."""

    def __init__(self, sigma_range=(0.5, 1.5), **kwargs):
        super().__init__(**kwargs)
        self.sigma_range = tuple(sigma_range)

    def perturb(self, img, results):
        sigma = _uniform(self.sigma_range)
        ksize = 2 * int(math.ceil(3 * sigma)) + 1
        return cv2_bands(img, lambda x: cv2.GaussianBlur(
            x, (ksize, ksize), sigma, borderType=cv2.BORDER_REFLECT_101))

    def _extra_repr(self):
        return f', sigma_range={self.sigma_range}'


@TRANSFORMS.register_module()
class StudentJPEGCompression(BaseStudentPerturbation):
    """JPEG artefacts at quality q ~ U(quality_range).

    A uint8 RGB image is JPEG-encoded as a colour image. Any other image (band count, dtype) gets
    JPEG-like artefacts band by band: the band is quantised to 8 bits over its own range, encoded
    as a grey JPEG, and the coding error is added back at the band's scale, so precision beyond
    8 bits outside the artefacts is kept.
    """

    def __init__(self, quality_range=(30, 70), **kwargs):
        super().__init__(**kwargs)
        self.quality_range = tuple(quality_range)

    @staticmethod
    def _codec(x8, quality):
        ok, buf = cv2.imencode('.jpg', x8, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        if not ok:
            raise RuntimeError('OpenCV could not JPEG-encode the student image')
        return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)

    def perturb(self, img, results):
        quality = int(round(_uniform(self.quality_range)))
        if img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3:
            # OpenCV's colour JPEG assumes BGR order; cdkd keeps file (RGB) order.
            return self._codec(np.ascontiguousarray(img[..., ::-1]), quality)[..., ::-1]
        x = as_hwc(img).astype(np.float32)
        out = np.empty_like(x)
        for b in range(x.shape[2]):
            band = x[..., b]
            lo, hi = float(band.min()), float(band.max())
            step = max(hi - lo, 1e-6) / 255.0
            x8 = np.rint((band - lo) / step).astype(np.uint8)
            error = self._codec(x8, quality).astype(np.float32) - x8
            out[..., b] = band + error * np.float32(step)
        return out.reshape(img.shape)

    def _extra_repr(self):
        return f', quality_range={self.quality_range}'


@TRANSFORMS.register_module()
class StudentRegistrationError(BaseStudentPerturbation):
    """Mis-register B: shift by up to ``max_shift`` pixels in x and y and rotate by up to
    ``max_angle`` degrees about the centre, with reflected borders (bilinear).

    Only image B moves: A, the label and the teacher view are untouched, so the student learns to
    predict the *teacher-aligned* change map from a slightly mis-registered pair.
    """

    def __init__(self, max_shift=4.0, max_angle=2.0, **kwargs):
        super().__init__(**kwargs)
        self.max_shift = max_shift
        self.max_angle = max_angle

    def perturb(self, img, results):
        h, w = img.shape[:2]
        dx, dy = (_uniform((-self.max_shift, self.max_shift)) for _ in range(2))
        angle = _uniform((-self.max_angle, self.max_angle))
        matrix = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle, 1.0)
        matrix[:, 2] += (dx, dy)
        return cv2_bands(img, lambda x: cv2.warpAffine(
            x, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101))

    def _extra_repr(self):
        return f', max_shift={self.max_shift}, max_angle={self.max_angle}'


@TRANSFORMS.register_module()
class StudentRandomErasing(BaseStudentPerturbation):
    """Cut-out: fill one rectangle of B covering U(area_range) of the image (aspect ratio
    log-uniform in ``aspect_range``) with each band's mean (``fill='mean'``), uniform noise over
    the band's range (``'noise'``) or a constant number."""

    def __init__(self, area_range=(0.02, 0.1), aspect_range=(0.3, 3.3), fill='mean', **kwargs):
        super().__init__(**kwargs)
        if not (fill in ('mean', 'noise') or isinstance(fill, (int, float))):
            raise ValueError(f"fill must be 'mean', 'noise' or a number, got {fill!r}")
        self.area_range = tuple(area_range)
        self.aspect_range = tuple(aspect_range)
        self.fill = fill

    def perturb(self, img, results):
        h, w = img.shape[:2]
        area = _uniform(self.area_range) * h * w
        aspect = math.exp(_uniform(tuple(math.log(a) for a in self.aspect_range)))
        eh = int(min(h, max(1, round(math.sqrt(area * aspect)))))
        ew = int(min(w, max(1, round(math.sqrt(area / aspect)))))
        top, left = np.random.randint(0, h - eh + 1), np.random.randint(0, w - ew + 1)
        x = as_hwc(img).astype(np.float32)  # a copy: the teacher's array is never written
        flat = x.reshape(-1, x.shape[2])
        if self.fill == 'mean':
            value = flat.mean(0)
        elif self.fill == 'noise':
            lo, hi = flat.min(0), flat.max(0)
            value = np.random.uniform(size=(eh, ew, x.shape[2])) * (hi - lo) + lo
        else:
            value = float(self.fill)
        x[top:top + eh, left:left + ew] = value
        return x.reshape(img.shape)

    def _extra_repr(self):
        return (f', area_range={self.area_range}, aspect_range={self.aspect_range}, '
                f'fill={self.fill!r}')
