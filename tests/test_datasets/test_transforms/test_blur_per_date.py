import numpy as np
import pytest

from cdkd.datasets.transforms import MultiImgRandomGaussianBlur


def test_per_date_sigma_blurs_every_date_and_keeps_shapes_and_masks():
    rng = np.random.RandomState(0)
    imgs = [rng.randint(0, 255, (16, 16, 3)).astype(np.uint8),
            rng.randint(0, 255, (16, 16, 1)).astype(np.uint8)]
    mask = (rng.rand(16, 16) > 0.5).astype(np.uint8)
    np.random.seed(0)
    out = MultiImgRandomGaussianBlur(sigma_range=(1.0, 1.0), per_date_sigma=True)(
        dict(imgs=[i.copy() for i in imgs], gt_seg_map=mask.copy()))
    for a, b in zip(imgs, out['imgs']):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert b.astype(float).std() < a.astype(float).std()  # smoothed
    assert np.array_equal(out['gt_seg_map'], mask)
    same = MultiImgRandomGaussianBlur(sigma_range=(0.0, 0.0))(dict(imgs=[i.copy() for i in imgs]))
    assert all(np.array_equal(a, b) for a, b in zip(imgs, same['imgs']))
    with pytest.raises(ValueError, match='sigma_range'):
        MultiImgRandomGaussianBlur(sigma_range=(1.0, 0.5))


def test_per_date_sigma_draws_one_sigma_per_date():
    img = np.random.RandomState(1).randint(0, 255, (16, 16, 3)).astype(np.uint8)
    np.random.seed(4)
    out = MultiImgRandomGaussianBlur(sigma_range=(0.3, 2.0), per_date_sigma=True)(
        dict(imgs=[img.copy(), img.copy()]))
    assert not np.array_equal(out['imgs'][0], out['imgs'][1])  # same image, two sigmas
