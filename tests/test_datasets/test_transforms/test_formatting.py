import numpy as np
import torch
from mmseg.structures import SegDataSample

from cdkd.datasets.transforms import PackChangeInputs


def results(dtypes=(np.uint8, np.uint8), bands=(3, 3), mask=True):
    imgs = [np.full((5, 6, c), i + 1, dtype=d) for i, (d, c) in enumerate(zip(dtypes, bands))]
    imgs[0][0, 1, 0] = 9
    out = dict(imgs=imgs, img_paths=['A/s.png', 'B/s.png'], seg_map_path='label/s.png',
               sample_name='s', ori_shape=(5, 6), img_shape=(5, 6), num_bands=tuple(bands),
               flip=False, flip_direction=None, label_encoding='0_255', seg_fields=[])
    if mask:
        out['gt_seg_map'] = np.eye(5, 6, dtype=np.uint8)
        out['gt_seg_map'][4, 0] = 255
        out['seg_fields'] = ['gt_seg_map']
    return out


def test_pack_stacks_dates_and_mask():
    packed = PackChangeInputs()(results())
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(sample, SegDataSample)
    assert inputs.shape == (6, 5, 6) and inputs.dtype == torch.uint8
    assert inputs[0, 0, 1] == 9 and (inputs[3:] == 2).all()  # A's bands first, then B's
    gt = sample.gt_sem_seg.data
    assert gt.shape == (1, 5, 6) and gt.dtype == torch.long
    assert gt[0, 4, 0] == 255 and gt[0].diagonal().sum() == 5
    meta = sample.metainfo
    assert meta['img_paths'] == ['A/s.png', 'B/s.png'] and meta['num_bands'] == (3, 3)
    assert meta['sample_name'] == 's' and meta['img_shape'] == (5, 6)
    assert 'pad_shape' not in meta and 'label_encoding' not in meta  # absent / not a meta key


def test_pack_mixed_dtypes_become_float32_and_no_mask():
    packed = PackChangeInputs()(results((np.uint8, np.uint16), (3, 1), mask=False))
    assert packed['inputs'].dtype == torch.float32 and packed['inputs'].shape == (4, 5, 6)
    assert 'gt_sem_seg' not in packed['data_samples']


def test_pack_image_label_and_custom_meta_keys():
    r = results()
    r['gt_image_label'] = 1
    packed = PackChangeInputs(meta_keys=('sample_name', ))(r)
    sample = packed['data_samples']
    assert torch.equal(sample.gt_image_label, torch.tensor(1))
    assert set(sample.metainfo) == {'sample_name'}


def test_select_bands_keeps_listed_bands_per_date():
    import numpy as np
    import pytest
    from cdkd.datasets.transforms import MultiImgSelectBands
    imgs = [np.arange(12).reshape(2, 2, 3), np.arange(12).reshape(2, 2, 3) + 100]
    out = MultiImgSelectBands(bands=[None, [0]])(dict(imgs=imgs, img_paths=['a', 'b']))
    assert out['imgs'][0].shape == (2, 2, 3) and out['imgs'][1].shape == (2, 2, 1)
    assert out['imgs'][1][..., 0].tolist() == [[100, 103], [106, 109]]
    assert out['num_bands'] == (3, 1)
    with pytest.raises(ValueError, match='b: bands \\[5\\]'):
        MultiImgSelectBands(bands=[None, [5]])(dict(imgs=imgs, img_paths=['a', 'b']))
