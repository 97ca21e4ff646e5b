"""Student-view perturbations of image B: B only, dtype/range kept, seeded, packed."""
import numpy as np
import pytest

from cdkd.registry import TRANSFORMS

PERTURBATIONS = [
    dict(type='StudentBrightness', delta=0.2),
    dict(type='StudentContrast', contrast_range=(0.5, 0.6)),
    dict(type='StudentGamma', gamma_range=(1.5, 2.0)),
    dict(type='StudentHueSaturation', hue_delta=30, saturation_range=(0.3, 0.5)),
    dict(type='StudentGaussianNoise', std_range=(0.05, 0.1)),
    dict(type='StudentSpeckleNoise', looks_range=(1.0, 2.0)),
    dict(type='StudentGaussianBlur', sigma_range=(1.0, 2.0)),
    dict(type='StudentJPEGCompression', quality_range=(10, 20)),
    dict(type='StudentRegistrationError', max_shift=4.0, max_angle=3.0),
    dict(type='StudentRandomErasing', area_range=(0.1, 0.2)),
    dict(type='StudentHistogramMatching', alpha_range=(1.0, 1.0)),
]
COLOUR_ONLY = {'StudentHueSaturation'}


def make_results(dtype, bands, size=32, seed=0):
    rng = np.random.RandomState(seed)
    top = {np.uint8: 255, np.uint16: 4095, np.float32: 1.0}[dtype]
    # Smooth-ish A and a brighter, structured B so that every perturbation has something to change.
    a = (rng.rand(size, size, bands) * 0.5 * top).astype(dtype)
    yy, xx = np.mgrid[0:size, 0:size] / size
    b = ((0.3 + 0.6 * (yy + xx)[..., None] / 2 + 0.1 * rng.rand(size, size, bands)) * top)
    b = b.astype(dtype)
    if bands == 1:
        a, b = a[..., 0], b[..., 0]
    label = (rng.rand(size, size) > 0.7).astype(np.uint8)
    return dict(imgs=[a, b], gt_seg_map=label, seg_fields=['gt_seg_map'])


def snapshot(results):
    return [img.copy() for img in results['imgs']], results['gt_seg_map'].copy()


@pytest.mark.parametrize('cfg', PERTURBATIONS, ids=lambda c: c['type'])
@pytest.mark.parametrize('dtype,bands', [(np.uint8, 3), (np.uint16, 4), (np.float32, 1),
                                         (np.uint8, 13)])
def test_perturbs_b_only_and_keeps_dtype_range(cfg, dtype, bands):
    results = make_results(dtype, bands)
    (a0, b0), label0 = snapshot(results)
    np.random.seed(0)
    out = TRANSFORMS.build(cfg)(results)
    a, b = out['imgs']
    assert a.tobytes() == a0.tobytes() and b.tobytes() == b0.tobytes()
    assert out['gt_seg_map'].tobytes() == label0.tobytes()
    sa, sb = out['student_imgs']
    assert sa is a  # the student's A is the teacher's A
    assert sb.dtype == b0.dtype and sb.shape == b0.shape
    if cfg['type'] in COLOUR_ONLY and bands != 3:
        assert sb.tobytes() == b0.tobytes()  # no colour: skipped
    else:
        assert sb.tobytes() != b0.tobytes()
    if dtype == np.float32:
        assert sb.min() >= b0.min() and sb.max() <= b0.max()
    else:
        assert np.issubdtype(sb.dtype, np.integer)


@pytest.mark.parametrize('cfg', PERTURBATIONS, ids=lambda c: c['type'])
def test_reproducible_under_seed(cfg):
    if cfg['type'] == 'StudentHistogramMatching':
        cfg = dict(cfg, alpha_range=(0.2, 0.9))  # a fixed alpha is deterministic by design
    outs = []
    for _ in range(2):
        np.random.seed(3)
        outs.append(TRANSFORMS.build(cfg)(make_results(np.uint8, 3))['student_imgs'][1])
    np.random.seed(4)
    other = TRANSFORMS.build(cfg)(make_results(np.uint8, 3))['student_imgs'][1]
    assert outs[0].tobytes() == outs[1].tobytes()
    assert other.tobytes() != outs[0].tobytes()


def test_exact_values():
    results = make_results(np.uint8, 3)
    b = results['imgs'][1].astype(np.float64)
    np.random.seed(0)
    TRANSFORMS.build(dict(type='StudentBrightness', delta=0.1))(results)
    np.random.seed(0)
    shift = np.random.rand() and np.random.uniform(-0.1, 0.1) * 255  # prob coin, then the draw
    expected = np.rint(np.clip(b + np.float32(shift), 0, 255)).astype(np.uint8)
    assert np.array_equal(results['student_imgs'][1], expected)

    a = np.arange(16, dtype=np.uint8).reshape(4, 4, 1) * 10
    b = np.arange(16, dtype=np.uint8)[::-1].reshape(4, 4, 1)
    out = TRANSFORMS.build(dict(type='StudentHistogramMatching', alpha_range=(1, 1)))(
        dict(imgs=[a, b]))
    assert np.array_equal(np.sort(out['student_imgs'][1].ravel()), np.sort(a.ravel()))
    assert np.array_equal(np.argsort(out['student_imgs'][1].ravel()), np.argsort(b.ravel()))


def test_composition_prob_and_choice():
    results = make_results(np.uint8, 3)
    b0 = results['imgs'][1].copy()
    np.random.seed(0)
    TRANSFORMS.build(dict(type='StudentGaussianBlur', prob=0.0))(results)
    assert results['student_imgs'][1].tobytes() == b0.tobytes()  # view exists, unchanged
    TRANSFORMS.build(dict(type='StudentBrightness', delta=0.2))(results)
    once = results['student_imgs'][1].copy()
    TRANSFORMS.build(dict(type='StudentGaussianNoise'))(results)  # composes on the student B
    assert results['student_imgs'][1].tobytes() != once.tobytes()
    assert results['imgs'][1].tobytes() == b0.tobytes()

    choice = TRANSFORMS.build(dict(type='StudentRandomChoice', transforms=[
        dict(type='StudentBrightness'), dict(type='StudentGaussianBlur')], weights=[0, 1]))
    np.random.seed(0)
    chosen = choice(make_results(np.uint8, 3))['student_imgs'][1]
    np.random.seed(0)
    np.random.choice(2, p=[0.0, 1.0])
    blurred = TRANSFORMS.build(dict(type='StudentGaussianBlur'))(make_results(np.uint8, 3))
    assert chosen.tobytes() == blurred['student_imgs'][1].tobytes()


def test_pack_student_view_and_checks():
    results = make_results(np.uint8, 3)
    np.random.seed(0)
    TRANSFORMS.build(dict(type='StudentGaussianNoise'))(results)
    packed = TRANSFORMS.build(dict(type='PackChangeInputs'))(dict(results))
    student, inputs = packed['data_samples'].student_inputs, packed['inputs']
    assert student.shape == inputs.shape == (6, 32, 32) and student.dtype == inputs.dtype
    assert np.array_equal(student[:3].numpy(), inputs[:3].numpy())
    assert not np.array_equal(student[3:].numpy(), inputs[3:].numpy())
    assert 'student_inputs' not in TRANSFORMS.build(dict(type='PackChangeInputs'))(
        make_results(np.uint8, 3))['data_samples']

    results['imgs'] = [img[:16] for img in results['imgs']]  # a crop after the perturbation
    with pytest.raises(ValueError, match='after every geometric transform'):
        TRANSFORMS.build(dict(type='PackChangeInputs'))(results)
    with pytest.raises(IndexError, match='target=2'):
        TRANSFORMS.build(dict(type='StudentBrightness', target=2))(make_results(np.uint8, 3))
    with pytest.raises(ValueError, match='fill'):
        TRANSFORMS.build(dict(type='StudentRandomErasing', fill='zeros'))
