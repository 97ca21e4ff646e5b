import numpy as np
import pytest

from cdkd.datasets.transforms import ImageLevelChangeLabel


def results(changed, ignored=0):
    seg = np.zeros((8, 8), np.uint8)
    seg.flat[:changed] = 1
    seg.flat[changed:changed + ignored] = 255
    return dict(gt_seg_map=seg, seg_fields=['gt_seg_map'], seg_map_path='x/label/a.png')


@pytest.mark.parametrize('changed,min_pixels,label', [(0, 1, 0), (1, 1, 1), (4, 5, 0), (5, 5, 1)])
def test_label_by_min_changed_pixels(changed, min_pixels, label):
    out = ImageLevelChangeLabel(min_changed_pixels=min_pixels)(results(changed))
    assert out['gt_image_label'] == label


def test_ignored_pixels_do_not_count_and_mask_is_dropped():
    out = ImageLevelChangeLabel(min_changed_pixels=2)(results(1, ignored=10))
    assert out['gt_image_label'] == 0
    assert 'gt_seg_map' not in out and out['seg_fields'] == []


def test_keep_mask_option_and_errors():
    out = ImageLevelChangeLabel(drop_mask=False)(results(3))
    assert out['gt_image_label'] == 1 and 'gt_seg_map' in out
    with pytest.raises(KeyError, match='a.png'):
        ImageLevelChangeLabel()(dict(seg_map_path='x/label/a.png'))
    with pytest.raises(ValueError, match='min_changed_pixels'):
        ImageLevelChangeLabel(min_changed_pixels=0)


def test_packed_as_data_sample_field():
    from cdkd.datasets.transforms import PackChangeInputs
    r = ImageLevelChangeLabel()(results(2))
    r['imgs'] = [np.zeros((8, 8, 3), np.uint8)] * 2
    packed = PackChangeInputs()(r)
    assert int(packed['data_samples'].gt_image_label) == 1
    assert 'gt_sem_seg' not in packed['data_samples']
