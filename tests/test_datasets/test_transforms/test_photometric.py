import numpy as np
import pytest

from cdkd.datasets.transforms import MultiImgPhotoMetricDistortion, RandomTemporalExchange


def two_dates(bands=3, dtype=np.uint8, same=True, seed=0):
    rng = np.random.default_rng(seed)
    top = {np.uint8: 256, np.uint16: 4096}.get(dtype)
    make = (lambda: rng.integers(0, top, (16, 16, bands)).astype(dtype)) if top else \
        (lambda: rng.random((16, 16, bands), dtype=np.float32))
    a = make()
    return dict(imgs=[a, a.copy() if same else make()], seg_fields=[])


@pytest.mark.parametrize('bands,dtype', [(1, np.uint8), (3, np.uint8), (4, np.uint16),
                                         (13, np.uint16), (3, np.float32), (2, np.float32)])
def test_dtype_shape_and_range(bands, dtype):
    t = MultiImgPhotoMetricDistortion(brightness_delta=120, contrast_range=(0.2, 3.0))
    for seed in range(8):
        np.random.seed(seed)
        out = t(two_dates(bands, dtype, seed=seed))['imgs']
        for img in out:
            assert img.dtype == dtype and img.shape == (16, 16, bands)
            if dtype != np.float32:
                info = np.iinfo(dtype)
                assert img.min() >= info.min and img.max() <= info.max


def test_shared_draw_gives_identical_dates():
    t_shared = MultiImgPhotoMetricDistortion(shared=True)
    t_each = MultiImgPhotoMetricDistortion(shared=False)
    differs = 0
    for seed in range(10):
        np.random.seed(seed)
        out = t_shared(two_dates(seed=seed))['imgs']
        np.testing.assert_array_equal(out[0], out[1])
        np.random.seed(seed)
        out = t_each(two_dates(seed=seed))['imgs']
        differs += int(not np.array_equal(out[0], out[1]))
    assert differs >= 5


def only(**kw):
    p = dict(brightness=None, contrast_first=True, contrast=None, saturation=None, hue=None)
    p.update(kw)
    return p


def test_brightness_is_in_the_datas_own_scale():
    t = MultiImgPhotoMetricDistortion()
    u8 = np.full((4, 4, 3), 100, np.uint8)
    assert (t.distort(u8, only(brightness=20)) == 120).all()
    assert (t.distort(u8, only(brightness=200)) == 255).all()  # clipped to the dtype
    refl = np.linspace(0, 0.5, 48, dtype=np.float32).reshape(4, 4, 3)  # reflectance in [0, 0.5]
    out = t.distort(refl, only(brightness=51))  # 51 / 255 of the range 0.5
    np.testing.assert_allclose(out - refl, 0.1, atol=1e-6)


def test_contrast_scales_around_band_mean():
    t = MultiImgPhotoMetricDistortion()
    img = np.random.default_rng(0).integers(50, 200, (8, 8, 5)).astype(np.float32)
    out = t.distort(img, only(contrast=2.0))
    np.testing.assert_allclose(out.mean((0, 1)), img.mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(out.std((0, 1)), 2 * img.std((0, 1)), rtol=1e-5)


def test_saturation_and_hue_only_for_three_bands():
    t = MultiImgPhotoMetricDistortion()
    rgb = np.random.default_rng(0).integers(0, 255, (8, 8, 3)).astype(np.uint8)
    assert not np.array_equal(t.distort(rgb, only(saturation=0.3, hue=10)), rgb)
    grey = np.full((8, 8, 3), 90, np.uint8)
    np.testing.assert_array_equal(t.distort(grey, only(saturation=0.1)), grey)  # no colour
    for bands in (1, 4, 13):
        img = np.random.default_rng(bands).integers(0, 255, (8, 8, bands)).astype(np.uint8)
        np.testing.assert_array_equal(t.distort(img, only(saturation=0.3, hue=10)), img)


def test_temporal_exchange_swaps_dates_and_paths():
    a, b, c = (np.full((2, 2, 3), v, np.uint8) for v in (1, 2, 3))
    results = dict(imgs=[a, b, c], img_paths=['A/x', 'B/x', 'C/x'], num_bands=(3, 3, 3))
    out = RandomTemporalExchange(prob=1.0)(dict(results))
    assert [img[0, 0, 0] for img in out['imgs']] == [2, 1, 3]
    assert out['img_paths'] == ['B/x', 'A/x', 'C/x'] and out['temporal_exchange']
    out = RandomTemporalExchange(prob=0.0)(dict(results))
    assert [img[0, 0, 0] for img in out['imgs']] == [1, 2, 3] and not out['temporal_exchange']
    with pytest.raises(ValueError, match='equal band counts'):
        RandomTemporalExchange(prob=1.0)(dict(imgs=[a, a[..., :1]]))
