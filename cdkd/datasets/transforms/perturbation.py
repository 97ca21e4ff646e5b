"""Student-view perturbations of image B (STKDNet), part 1: the contract and photometric ones.

A perturbation never touches ``results['imgs']`` (the teacher view) or the label. The first one in
a pipeline creates ``results['student_imgs']``, a list holding the *same* arrays as ``imgs``; every
perturbation then replaces the ``target`` entry (default 1 = image B) with a new perturbed array, so
A, the label and the teacher view stay byte-identical and perturbations compose in pipeline order.
``PackChangeInputs`` packs ``student_imgs`` as ``data_sample.student_inputs`` (see docs/design.md).

Put perturbations after every geometric transform and ``RandomTemporalExchange`` (right before
``PackChangeInputs``): those edit ``imgs`` only, and the packer refuses a student view whose shape
no longer matches the teacher view.

Strengths of intensity changes are fractions of the image's *data scale*: 255 for uint8, else the
image's own maximum (or max - min when it has negative values), so one config works for uint8, 12/16
bit and float data. Results are clipped to the dtype's range for integers and to the image's own
[min, max] for floats, then cast back to the input dtype. Randomness comes from numpy's global
generator, which mmengine seeds per worker: the same seed gives the same perturbation.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from cdkd.registry import TRANSFORMS
from .array_ops import as_hwc, dtype_range
from .photometric import MultiImgPhotoMetricDistortion, _data_scale

STUDENT_KEY = 'student_imgs'


def student_view(results):
    """The student images of ``results``, created as a copy of the teacher list on first use."""
    if STUDENT_KEY not in results:
        results[STUDENT_KEY] = list(results['imgs'])
    return results[STUDENT_KEY]


class BaseStudentPerturbation(BaseTransform):
    """Replace image ``target`` of the student view by ``self.perturb(image)`` with probability ``prob``.

    Subclasses implement ``perturb(img, results)`` returning an array of the same shape (any dtype;
    it is clipped and cast back here). The student view exists after this transform even when the
    coin says no (it is then the clean pair).

    Args:
        prob: probability of applying the perturbation to a sample.
        target: index of the perturbed image in ``imgs`` (1 = image B, as in STKDNet).
    """

    def __init__(self, prob=1.0, target=1):
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.target = target

    def perturb(self, img, results):
        raise NotImplementedError

    def transform(self, results):
        imgs = student_view(results)
        if not -len(imgs) <= self.target < len(imgs):
            raise IndexError(f'{self.__class__.__name__}: target={self.target} but the sample has '
                             f'{len(imgs)} images')
        if np.random.rand() < self.prob:
            img = imgs[self.target]
            out = np.asarray(self.perturb(img, results))
            if out.shape != img.shape:
                raise RuntimeError(f'{self.__class__.__name__} changed the shape {img.shape} -> '
                                   f'{out.shape}')
            imgs[self.target] = restore_dtype(out, img)
        return results

    def _extra_repr(self):
        return ''

    def __repr__(self):
        return (f'{self.__class__.__name__}(prob={self.prob}, target={self.target}'
                f'{self._extra_repr()})')


def restore_dtype(out, ref):
    """Clip ``out`` to ``ref``'s valid range (dtype range for integers, own range for floats)."""
    if out.dtype == ref.dtype and not np.issubdtype(ref.dtype, np.floating):
        return out
    if np.issubdtype(ref.dtype, np.integer):
        lo, hi = dtype_range(ref.dtype)
        return np.rint(np.clip(out, lo, hi)).astype(ref.dtype)
    return np.clip(out, ref.min(), ref.max()).astype(ref.dtype)


def _uniform(value_range):
    return float(np.random.uniform(*value_range))


@TRANSFORMS.register_module()
class StudentBrightness(BaseStudentPerturbation):
    """Add U(-delta, delta) x data scale to every band of B."""

    def __init__(self, delta=0.1, **kwargs):
        super().__init__(**kwargs)
        self.delta = delta

    def perturb(self, img, results):
        shift = _uniform((-self.delta, self.delta)) * _data_scale(img)
        return img.astype(np.float32) + np.float32(shift)

    def _extra_repr(self):
        return f', delta={self.delta}'


@TRANSFORMS.register_module()
class StudentContrast(BaseStudentPerturbation):
    """Scale every band of B around its mean by U(contrast_range)."""

    def __init__(self, contrast_range=(0.7, 1.3), **kwargs):
        super().__init__(**kwargs)
        self.contrast_range = tuple(contrast_range)

    def perturb(self, img, results):
        x = as_hwc(img).astype(np.float32)
        mean = x.reshape(-1, x.shape[2]).mean(0)
        out = (x - mean) * np.float32(_uniform(self.contrast_range)) + mean
        return out.reshape(img.shape)

    def _extra_repr(self):
        return f', contrast_range={self.contrast_range}'


@TRANSFORMS.register_module()
class StudentGamma(BaseStudentPerturbation):
    """Gamma curve x' = lo + (hi - lo) ((x - lo) / (hi - lo)) ** g, g ~ U(gamma_range).

    ``lo, hi`` are 0 and 255 for uint8, else the image's own min and max.
    """

    def __init__(self, gamma_range=(0.7, 1.5), **kwargs):
        super().__init__(**kwargs)
        self.gamma_range = tuple(gamma_range)

    def perturb(self, img, results):
        lo, hi = (0.0, 255.0) if img.dtype == np.uint8 else (float(img.min()), float(img.max()))
        span = max(hi - lo, 1e-6)
        x = np.clip((img.astype(np.float32) - lo) / span, 0, 1)
        return lo + span * x ** np.float32(_uniform(self.gamma_range))

    def _extra_repr(self):
        return f', gamma_range={self.gamma_range}'


@TRANSFORMS.register_module()
class StudentHueSaturation(BaseStudentPerturbation):
    """Shift HSV hue by U(-hue_delta, hue_delta) (8-bit OpenCV units of 2 degrees) and scale the
    saturation by U(saturation_range). Needs colour: B is left unchanged unless it has exactly 3
    bands with non-negative values."""

    def __init__(self, hue_delta=18, saturation_range=(0.7, 1.3), **kwargs):
        super().__init__(**kwargs)
        self.hue_delta = hue_delta
        self.saturation_range = tuple(saturation_range)

    def perturb(self, img, results):
        hue = _uniform((-self.hue_delta, self.hue_delta))
        saturation = _uniform(self.saturation_range)
        if img.ndim != 3 or img.shape[2] != 3 or img.min() < 0:
            return img
        scale = _data_scale(img)
        return MultiImgPhotoMetricDistortion._colour(
            img.astype(np.float32), scale, saturation, hue)

    def _extra_repr(self):
        return f', hue_delta={self.hue_delta}, saturation_range={self.saturation_range}'


@TRANSFORMS.register_module()
class StudentHistogramMatching(BaseStudentPerturbation):
    """Match each band of B to the histogram of the same band of A (the teacher's A), blended as
    (1 - a) B + a match(B), a ~ U(alpha_range). Skipped when A and B differ in band count (e.g.
    optical/SAR pairs)."""

    def __init__(self, alpha_range=(0.5, 1.0), reference=0, **kwargs):
        super().__init__(**kwargs)
        self.alpha_range = tuple(alpha_range)
        self.reference = reference

    @staticmethod
    def match(src, ref):
        """Quantile mapping of one band ``src`` onto the value distribution of ``ref``."""
        values, inverse, counts = np.unique(src.ravel(), return_inverse=True, return_counts=True)
        ref_values, ref_counts = np.unique(ref.ravel(), return_counts=True)
        src_q = np.cumsum(counts) / src.size
        ref_q = np.cumsum(ref_counts) / ref.size
        return np.interp(src_q, ref_q, ref_values.astype(np.float64))[inverse].reshape(src.shape)

    def perturb(self, img, results):
        alpha = _uniform(self.alpha_range)
        ref = as_hwc(results['imgs'][self.reference])
        src = as_hwc(img)
        if ref.shape[2] != src.shape[2]:
            return img
        matched = np.stack([self.match(src[..., b], ref[..., b]) for b in range(src.shape[2])], 2)
        out = (1 - alpha) * src.astype(np.float64) + alpha * matched
        return out.reshape(img.shape)

    def _extra_repr(self):
        return f', alpha_range={self.alpha_range}, reference={self.reference}'


@TRANSFORMS.register_module()
class StudentRandomChoice(BaseTransform):
    """Apply one perturbation drawn uniformly (or with ``weights``) from ``transforms``.

    Like mmcv's ``RandomChoice``, but it creates ``student_imgs`` first, so the output carries a
    student view whatever the choice.
    """

    def __init__(self, transforms, weights=None):
        self.transforms = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms]
        if not self.transforms:
            raise ValueError('StudentRandomChoice needs at least one transform')
        self.weights = None if weights is None else np.asarray(weights, np.float64) / sum(weights)

    def transform(self, results):
        student_view(results)
        index = np.random.choice(len(self.transforms), p=self.weights)
        return self.transforms[index](results)

    def __repr__(self):
        return f'{self.__class__.__name__}(transforms={self.transforms}, weights={self.weights})'


def cv2_bands(img, fn):
    """Apply an OpenCV ``fn`` to ``img`` (float32) in groups of at most 4 bands."""
    x = as_hwc(img).astype(np.float32)
    groups = [as_hwc(fn(np.ascontiguousarray(x[..., s:s + 4]))) for s in range(0, x.shape[2], 4)]
    return np.concatenate(groups, axis=2).reshape(img.shape)


__all__ = [
    'BaseStudentPerturbation', 'StudentBrightness', 'StudentContrast', 'StudentGamma',
    'StudentHueSaturation', 'StudentHistogramMatching', 'StudentRandomChoice', 'cv2_bands',
    'student_view', 'restore_dtype', 'STUDENT_KEY'
]
