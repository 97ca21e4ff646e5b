import copy

import numpy as np
import pytest
from mmengine.dataset import Compose

from cdkd.datasets.transforms import (MultiImgPad, MultiImgRandomCrop, MultiImgRandomFlip,
                                      MultiImgRandomResize, MultiImgRandomRotate,
                                      MultiImgRandomRotate90, MultiImgResize)
from ..helpers import assert_related, position_coded, related_results

BAND_CASES = [((1, 1), np.uint8), ((3, 3), np.uint8), ((4, 4), np.uint16), ((13, 13), np.uint16),
              ((13, 1), np.float32), ((3, 1, 3), np.uint8)]


def nearest_transforms():
    """Every geometric transform, forced to fire, with nearest sampling where it interpolates."""
    return [
        MultiImgRandomCrop(crop_size=(20, 25)),
        MultiImgRandomFlip(prob=1.0, direction='horizontal'),
        MultiImgRandomFlip(prob=1.0, direction='vertical'),
        MultiImgRandomFlip(prob=1.0, direction='diagonal'),
        MultiImgRandomRotate(prob=1.0, degree=40, interpolation='nearest'),
        MultiImgRandomRotate(prob=1.0, degree=(10, 80), auto_bound=True, interpolation='nearest'),
        MultiImgRandomRotate90(prob=1.0),
        MultiImgResize(scale=(70, 45), interpolation='nearest'),
        MultiImgResize(scale=(40, 100), keep_ratio=True, interpolation='nearest'),
        MultiImgRandomResize(scale=(53, 37), ratio_range=(0.5, 2.0), interpolation='nearest'),
        MultiImgPad(size=(64, 48)),
        MultiImgPad(size_divisor=16, pad_val=7),
    ]


@pytest.mark.parametrize('bands,dtype', BAND_CASES)
@pytest.mark.parametrize('index', range(len(nearest_transforms())))
def test_each_transform_keeps_dates_and_mask_aligned(bands, dtype, index):
    transform = nearest_transforms()[index]
    pad_val = getattr(transform, 'pad_val', 0)
    for seed in range(3):
        np.random.seed(seed)
        results = transform(related_results(bands, dtype, seed=seed))
        assert_related(results, pad_val=pad_val)
        assert [img.shape[2] for img in results['imgs']] == list(bands)


def composed():
    return Compose([
        MultiImgRandomResize(scale=(53, 37), ratio_range=(0.7, 1.5), interpolation='nearest'),
        MultiImgRandomRotate(prob=0.5, degree=30, interpolation='nearest'),
        MultiImgRandomCrop(crop_size=(24, 24), cat_max_ratio=0.9),
        MultiImgRandomRotate90(prob=0.5),
        MultiImgRandomFlip(prob=0.75, direction=['horizontal', 'vertical', 'diagonal']),
        MultiImgPad(size=(32, 32)),
    ])


@pytest.mark.parametrize('bands,dtype', [((3, 3), np.uint8), ((13, 1), np.uint16)])
def test_composed_pipeline_many_seeds(bands, dtype):
    pipeline = composed()
    for seed in range(25):
        np.random.seed(seed)
        results = pipeline(related_results(bands, dtype, seed=seed))
        assert_related(results)
        assert results['img_shape'] == (32, 32) and results['pad_shape'] == (32, 32)


def test_seeded_reproducibility_and_variety():
    pipeline = composed()
    outputs = []
    for seed in (5, 5, 6):
        np.random.seed(seed)
        outputs.append(pipeline(related_results((4, 4), np.uint16, seed=1)))
    np.testing.assert_array_equal(outputs[0]['imgs'][0], outputs[1]['imgs'][0])
    np.testing.assert_array_equal(outputs[0]['gt_seg_map'], outputs[1]['gt_seg_map'])
    assert not np.array_equal(outputs[0]['imgs'][0], outputs[2]['imgs'][0])


def coded_results(h=20, w=30):
    img = position_coded(h, w)
    return dict(imgs=[img, img.copy()], gt_seg_map=img[..., 0].astype(np.uint8),
                seg_fields=[], img_shape=(h, w))


def test_flip_directions_and_metadata():
    base = coded_results()['imgs'][0]
    expected = dict(horizontal=base[:, ::-1], vertical=base[::-1], diagonal=base[::-1, ::-1])
    for direction, want in expected.items():
        out = MultiImgRandomFlip(prob=1.0, direction=direction)(coded_results())
        assert out['flip'] is True and out['flip_direction'] == direction
        np.testing.assert_array_equal(out['imgs'][1], want)
    out = MultiImgRandomFlip(prob=0.0)(coded_results())
    assert out['flip'] is False and out['flip_direction'] is None
    np.testing.assert_array_equal(out['imgs'][0], base)
    with pytest.raises(ValueError, match='unknown flip direction'):
        MultiImgRandomFlip(direction='sideways')


def test_crop_is_a_contiguous_window():
    np.random.seed(3)
    out = MultiImgRandomCrop(crop_size=(7, 11))(coded_results())
    pos = out['imgs'][0][..., 0].astype(int) - 1
    ys, xs = pos // 30, pos % 30
    assert out['img_shape'] == (7, 11)
    assert (np.diff(ys, axis=0) == 1).all() and (np.diff(xs, axis=1) == 1).all()
    # Larger than the image: the whole image is kept.
    out = MultiImgRandomCrop(crop_size=100)(coded_results())
    assert out['img_shape'] == (20, 30)


def test_cat_max_ratio_avoids_single_class_crops():
    mask = np.zeros((64, 64), np.uint8)
    mask[:20, :20] = 1

    def mixed_crops(ratio):
        mixed = 0
        for seed in range(60):
            np.random.seed(seed)
            results = dict(imgs=[np.zeros((64, 64, 3), np.uint8)] * 2, gt_seg_map=mask.copy(),
                           seg_fields=['gt_seg_map'])
            out = MultiImgRandomCrop(crop_size=16, cat_max_ratio=ratio)(results)
            counts = np.bincount(out['gt_seg_map'].ravel(), minlength=2)
            mixed += int(counts.max() / counts.sum() < ratio)
        return mixed

    without, with_retries = mixed_crops(1.0), mixed_crops(0.9)
    assert with_retries >= 2 * max(without, 5), (without, with_retries)


def test_rotate_90_degrees_matches_rot90_and_rotate90():
    img = position_coded(16, 16)
    out = MultiImgRandomRotate(prob=1.0, degree=(90, 90), interpolation='nearest')(
        dict(imgs=[img], seg_fields=[]))
    np.testing.assert_array_equal(out['imgs'][0], np.rot90(img, -1))  # clockwise, as mmcv
    for seed in range(6):
        np.random.seed(seed)
        out = MultiImgRandomRotate90(prob=1.0)(coded_results())
        k = out['rotate90_k']
        np.testing.assert_array_equal(out['imgs'][0], np.rot90(position_coded(), k))
        assert out['img_shape'] == ((20, 30) if k % 2 == 0 else (30, 20))


def test_bilinear_rotate_and_resize_keep_relation_inside():
    for transform in (MultiImgRandomRotate(prob=1.0, degree=25),
                      MultiImgResize(scale=(90, 60))):
        np.random.seed(0)
        results = related_results((3, 3), np.float32)
        out = transform(results)
        a, b, valid = out['imgs'][0], out['imgs'][1], out['gt_seg_map'] != 255
        inner = np.zeros_like(valid)
        inner[3:-3, 3:-3] = valid[3:-3, 3:-3]
        inner &= np.roll(valid, 3, 0) & np.roll(valid, -3, 0)
        inner &= np.roll(valid, 3, 1) & np.roll(valid, -3, 1)
        assert inner.sum() > 100
        np.testing.assert_allclose(b[inner], a[inner] + 1, atol=1e-4)


def test_resize_records_scale_and_keep_ratio():
    out = MultiImgResize(scale=(60, 40))(related_results((3, 3), h=20, w=30))
    assert out['img_shape'] == (40, 60) and out['scale_factor'] == (2.0, 2.0)
    out = MultiImgResize(scale=(1000, 40), keep_ratio=True)(related_results(h=20, w=30))
    assert out['img_shape'] == (40, 60)
    out = MultiImgResize(scale=0.5, interpolation='nearest')(related_results(h=20, w=30))
    assert out['img_shape'] == (10, 15)
    assert_related(out)


def test_pad_values_and_errors():
    out = MultiImgPad(size=(40, 24), pad_val=9, seg_pad_val=200)(related_results(h=20, w=30))
    assert out['imgs'][0].shape[:2] == (24, 40) and out['pad_shape'] == (24, 40)
    assert (out['imgs'][0][20:] == 9).all() and (out['gt_seg_map'][:, 30:] == 200).all()
    with pytest.raises(ValueError, match='exactly one'):
        MultiImgPad()


@pytest.mark.parametrize('dtype', [np.uint8, np.uint16, np.float32, np.int32])
def test_dtype_and_range_preserved(dtype):
    rng = np.random.default_rng(0)
    top = 255 if dtype == np.uint8 else 65535 if dtype == np.uint16 else 1000
    img = rng.integers(0, top, (21, 17, 5)).astype(dtype)
    for transform in (MultiImgRandomRotate(prob=1.0, degree=33), MultiImgResize(scale=(40, 30)),
                      MultiImgRandomResize(scale=[(10, 10), (30, 30)], keep_ratio=False)):
        np.random.seed(1)
        out = transform(dict(imgs=[img.copy(), img.copy()], seg_fields=[]))['imgs']
        assert out[0].dtype == dtype and out[0].shape[2] == 5
        assert out[0].min() >= 0 and out[0].max() <= top
        np.testing.assert_array_equal(out[0], out[1])


def test_inputs_are_not_modified_in_place():
    results = related_results((3, 3))
    before = copy.deepcopy(results['imgs'])
    MultiImgRandomRotate(prob=1.0, degree=20)(dict(results, imgs=list(results['imgs'])))
    for a, b in zip(before, results['imgs']):
        np.testing.assert_array_equal(a, b)
