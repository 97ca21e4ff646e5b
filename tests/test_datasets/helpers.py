"""Shared builders for the data tests: images with a known relation between dates and mask."""
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import pytest

# Real samples live beside the repository, never inside it.
SHARED_DATA = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data'


def shared_subset(name):
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f'real sample data {path} not found (shared/data is not beside the repo)')
    return str(path.resolve())


THRESHOLD = {np.uint8: 120, np.uint16: 30000, np.float32: 0.5}
TOP = {np.uint8: 250, np.uint16: 60000, np.float32: 1.0}


def related_results(bands=(3, 3), dtype=np.uint8, h=37, w=53, seed=0):
    """Pipeline results whose dates satisfy ``date_i[..., j] == A[..., j % C_A] + i`` and whose mask
    is ``A[..., 0] > THRESHOLD`` (0/1); the relation must survive any geometric transform."""
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        a = rng.random((h, w, bands[0]), dtype=np.float32)
    else:
        a = rng.integers(0, TOP[dtype], (h, w, bands[0])).astype(dtype)
    imgs = [a]
    for i, c in enumerate(bands[1:], 1):
        imgs.append((a[..., [j % bands[0] for j in range(c)]] + dtype(i)).astype(dtype))
    mask = (a[..., 0] > THRESHOLD[dtype]).astype(np.uint8)
    return dict(imgs=imgs, gt_seg_map=mask, seg_fields=['gt_seg_map'], img_shape=(h, w),
                ori_shape=(h, w), num_bands=tuple(bands),
                img_paths=[f'/x/{k}/s.png' for k in 'ABC'[:len(bands)]])


def assert_related(results, pad_val=0, seg_pad_val=255):
    """Check the relation of ``related_results`` pixel by pixel (pads: images ``pad_val``)."""
    imgs, mask = results['imgs'], results['gt_seg_map']
    a = imgs[0]
    dtype = a.dtype.type
    assert mask.dtype == np.uint8 and mask.shape == a.shape[:2]
    assert set(np.unique(mask)) <= {0, 1, seg_pad_val}
    valid = mask != seg_pad_val
    for i, img in enumerate(imgs):
        assert img.dtype == a.dtype and img.shape[:2] == a.shape[:2]
        if i:
            idx = [j % a.shape[2] for j in range(img.shape[2])]
            expected = a[..., idx] + dtype(i)
            np.testing.assert_array_equal(img[valid], expected[valid])
        if (~valid).any():
            assert (img[~valid] == pad_val).all()
    np.testing.assert_array_equal(mask[valid], (a[..., 0] > THRESHOLD[dtype])[valid])
    assert tuple(results['img_shape']) == a.shape[:2]


def position_coded(h=20, w=30):
    """uint16 single-band image whose value encodes its own pixel position: y * w + x + 1."""
    return (np.arange(h * w, dtype=np.uint16).reshape(h, w, 1) + 1)


def write_png(path, img):
    """Write an RGB(A) or grey array (bands in order) as PNG."""
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
    assert cv2.imwrite(str(path), img)
    return str(path)


def make_cd_folder(root, names=('s1', 's2', 's3'), folders=('A', 'B', 'label'), size=(16, 24),
                   img_suffix='.png', seg_suffix='.png', mask_values=(0, 255), seed=0):
    """A tiny change-detection folder: ``root/<folder>/<name><suffix>``; the last folder holds
    masks with ``mask_values``."""
    rng = np.random.default_rng(seed)
    h, w = size
    for folder in folders:
        (Path(root) / folder).mkdir(parents=True, exist_ok=True)
    for name in names:
        for folder in folders[:-1]:
            img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
            write_png(osp.join(root, folder, name + img_suffix), img)
        mask = rng.choice(np.array(mask_values, np.uint8), (h, w))
        write_png(osp.join(root, folders[-1], name + seg_suffix), mask)
    return str(root)
