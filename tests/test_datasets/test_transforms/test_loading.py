import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import tifffile

from cdkd.datasets.transforms import LoadChangeAnnotation, LoadMultiImageFromFile
from ..helpers import shared_subset, write_png


def load(paths, **kwargs):
    return LoadMultiImageFromFile(**kwargs)(dict(img_paths=[str(p) for p in paths]))


def test_png_bands_in_file_order(tmp_path):
    rgb = np.zeros((5, 7, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 10, 20, 30
    rgba = np.concatenate([rgb, np.full((5, 7, 1), 40, np.uint8)], axis=2)
    grey = np.full((5, 7), 50, np.uint8)
    paths = [write_png(tmp_path / 'rgb.png', rgb), write_png(tmp_path / 'rgba.png', rgba),
             write_png(tmp_path / 'grey.png', grey)]
    out = load(paths)
    assert [img.shape for img in out['imgs']] == [(5, 7, 3), (5, 7, 4), (5, 7, 1)]
    assert out['imgs'][0][0, 0].tolist() == [10, 20, 30]  # RGB, not BGR
    assert out['imgs'][1][0, 0].tolist() == [10, 20, 30, 40]
    assert out['imgs'][2][0, 0].tolist() == [50]
    assert out['num_bands'] == (3, 4, 1)
    assert out['img_shape'] == out['ori_shape'] == (5, 7)


def test_png16_jpeg_bmp_and_to_float32(tmp_path):
    img16 = np.arange(4 * 6 * 3, dtype=np.uint16).reshape(4, 6, 3) * 1000
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 200  # red
    paths = [write_png(tmp_path / 'a.png', img16), write_png(tmp_path / 'b.jpg', rgb),
             write_png(tmp_path / 'c.bmp', rgb)]
    out = load(paths)
    assert out['imgs'][0].dtype == np.uint16
    np.testing.assert_array_equal(out['imgs'][0], img16)
    assert out['imgs'][1][..., 0].mean() > 150 and out['imgs'][1][..., 2].mean() < 50
    np.testing.assert_array_equal(out['imgs'][2], rgb)
    out = load(paths, to_float32=True)
    assert all(img.dtype == np.float32 for img in out['imgs'])
    assert out['imgs'][0].max() == img16.max()


@pytest.mark.parametrize('layout', ['hwc_contig', 'chw_separate', 'chw_pages', 'hwc_pages'])
def test_tiff_multiband_layouts(tmp_path, layout):
    hwc = np.random.default_rng(0).integers(0, 10000, (20, 30, 13)).astype(np.uint16)
    path = str(tmp_path / 'ms.tif')
    if layout == 'hwc_contig':
        tifffile.imwrite(path, hwc, photometric='minisblack', planarconfig='contig')
    elif layout == 'chw_separate':
        tifffile.imwrite(path, hwc.transpose(2, 0, 1), photometric='minisblack',
                         planarconfig='separate')
    elif layout == 'chw_pages':
        tifffile.imwrite(path, hwc.transpose(2, 0, 1))
    else:  # H x W x C written without options: tifffile stores 20 pages of 30 x 13
        tifffile.imwrite(path, hwc)
    img = load([path])['imgs'][0]
    assert img.shape == (20, 30, 13) and img.dtype == np.uint16
    np.testing.assert_array_equal(img, hwc)


def test_tiff_float_single_band_and_2d(tmp_path):
    band = np.random.default_rng(1).random((9, 11), dtype=np.float32) * 30 - 20  # dB values
    tifffile.imwrite(tmp_path / 'sar.tif', band)
    tifffile.imwrite(tmp_path / 'sar1.tiff', band[..., None], photometric='minisblack')
    out = load([tmp_path / 'sar.tif', tmp_path / 'sar1.tiff'])
    for img in out['imgs']:
        assert img.shape == (9, 11, 1) and img.dtype == np.float32
        np.testing.assert_array_equal(img[..., 0], band)


def test_compressed_tiff_falls_back_to_opencv(tmp_path):
    mask = (np.random.default_rng(2).random((8, 12)) > 0.5).astype(np.uint8) * 255
    cv2.imwrite(str(tmp_path / 'm.tif'), mask)  # OpenCV writes LZW, which tifffile cannot read
    np.testing.assert_array_equal(load([tmp_path / 'm.tif'])['imgs'][0][..., 0], mask)


def test_real_sentinel2_band(tmp_path):
    root = shared_subset('oscd_geotiff')
    band = sorted(glob.glob(osp.join(root, 'bercy', 'imgs_1', '*_B02.tif')))[0]
    img = load([band])['imgs'][0]
    assert img.shape == (395, 360, 1) and img.dtype == np.uint16 and img.max() > 255


def test_missing_corrupt_and_empty_files_are_named(tmp_path):
    good = write_png(tmp_path / 'good.png', np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(FileNotFoundError, match='nothere.png'):
        load([good, tmp_path / 'nothere.png'])
    (tmp_path / 'bad.png').write_bytes(b'this is not a png at all')
    with pytest.raises(OSError, match='bad.png'):
        load([good, tmp_path / 'bad.png'])
    (tmp_path / 'empty.png').write_bytes(b'')
    with pytest.raises(OSError, match='empty.png'):
        load([tmp_path / 'empty.png'])
    (tmp_path / 'bad.tif').write_bytes(b'II*\x00garbage')
    with pytest.raises(OSError, match='bad.tif'):
        load([tmp_path / 'bad.tif'])


def test_temporal_size_mismatch_names_both_files(tmp_path):
    a = write_png(tmp_path / 'a.png', np.zeros((4, 4, 3), np.uint8))
    b = write_png(tmp_path / 'b.png', np.zeros((4, 5, 3), np.uint8))
    with pytest.raises(ValueError, match=r'a\.png.*b\.png'):
        load([a, b])


def load_mask(tmp_path, mask, encoding, img_shape=None, name='m.png'):
    path = write_png(tmp_path / name, mask)
    results = dict(seg_map_path=path, label_encoding=encoding, seg_fields=[])
    if img_shape is not None:
        results.update(imgs=[np.zeros(img_shape + (3, ), np.uint8)], img_paths=['/x/A/img.png'])
    return LoadChangeAnnotation()(results)


@pytest.mark.parametrize('encoding,raw,expected', [
    ('0_255', [0, 255], [0, 1]),
    ('0_1', [0, 1, 255], [0, 1, 255]),
    ('auto', [0, 255], [0, 1]),
    ('auto', [0, 1], [0, 1]),
    ('threshold', [0, 3, 100, 128, 254], [0, 0, 0, 1, 1]),
    ('1_2', [1, 2, 255], [0, 1, 255]),  # OSCD's raw labels
])
def test_label_encodings(tmp_path, encoding, raw, expected):
    mask = np.array([raw] * 3, np.uint8)
    out = load_mask(tmp_path, mask, encoding)
    assert out['gt_seg_map'].dtype == np.uint8
    np.testing.assert_array_equal(out['gt_seg_map'], np.array([expected] * 3))
    assert out['seg_fields'] == ['gt_seg_map']


def test_wrong_encoding_names_file_values_and_fix(tmp_path):
    with pytest.raises(ValueError, match=r"m\.png.*values 1.*label_encoding='0_1'"):
        load_mask(tmp_path, np.array([[0, 1, 1]], np.uint8), '0_255')
    with pytest.raises(ValueError, match=r"values 128.*'threshold'"):
        load_mask(tmp_path, np.array([[0, 128, 255]], np.uint8), '0_255')
    with pytest.raises(ValueError, match=r"values 7.*no built-in encoding separates.*"
                                         r"'threshold' would make every pixel 'unchanged'"):
        load_mask(tmp_path, np.array([[0, 1, 7]], np.uint8), '0_1')
    with pytest.raises(ValueError, match='unknown label_encoding'):
        load_mask(tmp_path, np.array([[0, 1]], np.uint8), '0_2')


@pytest.mark.parametrize('encoding', ['0_255', '0_1', 'auto'])
def test_oscd_values_get_the_1_2_advice_never_a_one_class_one(tmp_path, encoding):
    """{1, 2} under 'threshold' is all 'unchanged': the advice must be '1_2', and only that."""
    with pytest.raises(ValueError, match=r"values .*2.*try label_encoding='1_2'$") as err:
        load_mask(tmp_path, np.array([[1, 2, 2, 1]], np.uint8), encoding)
    assert 'threshold' not in str(err.value)


def test_no_advice_maps_every_pixel_to_one_class(tmp_path):
    from cdkd.datasets.transforms.loading import _suggest_encoding
    assert _suggest_encoding([0, 128, 255]) == "label_encoding='threshold'"
    assert _suggest_encoding([0, 1, 255]) == "label_encoding='0_1'"
    for values in ([3, 4], [2], [200, 250]):  # no encoding splits these into two classes
        assert _suggest_encoding(values).startswith('no built-in encoding separates')


def test_mask_channels(tmp_path):
    grey3 = np.repeat(np.array([[0, 255, 0]], np.uint8)[..., None], 3, axis=2)
    out = load_mask(tmp_path, grey3, '0_255')
    np.testing.assert_array_equal(out['gt_seg_map'], [[0, 1, 0]])
    colour = grey3.copy()
    colour[0, 0, 1] = 255
    with pytest.raises(ValueError, match=r'm\.png has 3 channels'):
        load_mask(tmp_path, colour, '0_255')


def test_mask_size_must_match_image(tmp_path):
    with pytest.raises(ValueError, match=r'm\.png is 2x3.*img\.png is 4x4'):
        load_mask(tmp_path, np.zeros((2, 3), np.uint8), '0_255', img_shape=(4, 4))


def test_unlabelled_sample_is_left_alone():
    results = LoadChangeAnnotation()(dict(seg_map_path=None, seg_fields=[]))
    assert 'gt_seg_map' not in results and results['seg_fields'] == []
