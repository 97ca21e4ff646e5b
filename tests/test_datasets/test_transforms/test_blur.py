import cv2
import numpy as np
import pytest

from cdkd.datasets.transforms import MultiImgRandomGaussianBlur


def sample(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)
    label = (rng.random((16, 16)) > 0.5).astype(np.uint8)
    return dict(imgs=[a, a.copy()], gt_seg_map=label.copy(), seg_fields=['gt_seg_map']), label


def test_blurs_both_dates_with_one_sigma_and_leaves_the_label():
    np.random.seed(3)
    results, label = sample()
    a = results['imgs'][0].copy()
    np.random.seed(3)
    np.random.rand()  # the probability draw
    sigma = np.random.uniform(0.5, 1.0)
    np.random.seed(3)
    out = MultiImgRandomGaussianBlur(sigma_range=(0.5, 1.0))(results)
    k = 2 * int(np.ceil(3 * sigma)) + 1
    expected = np.rint(cv2.GaussianBlur(a.astype(np.float32), (k, k), sigma,
                                        borderType=cv2.BORDER_REFLECT_101)).astype(np.uint8)
    for img in out['imgs']:
        assert img.dtype == np.uint8
        np.testing.assert_array_equal(img, expected)
    assert not np.array_equal(out['imgs'][0], a)
    np.testing.assert_array_equal(out['gt_seg_map'], label)


def test_tiny_sigma_and_prob_zero_are_identity():
    for t in (MultiImgRandomGaussianBlur(sigma_range=(0.0, 0.0)),
              MultiImgRandomGaussianBlur(prob=0.0)):
        results, _ = sample()
        a = results['imgs'][0].copy()
        np.testing.assert_array_equal(t(results)['imgs'][1], a)


def test_bad_arguments():
    with pytest.raises(ValueError, match='sigma_range'):
        MultiImgRandomGaussianBlur(sigma_range=(1.0, 0.5))
    with pytest.raises(ValueError, match='prob'):
        MultiImgRandomGaussianBlur(prob=2)
