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


def test_label_file_needs_no_mask(tmp_path):
    path = tmp_path / 'labels.csv'
    path.write_text('name,label\n# a comment\n\na,1\nb.png,0\n')
    t = ImageLevelChangeLabel(label_file=str(path))
    assert t(dict(sample_name='a'))['gt_image_label'] == 1
    assert t(dict(sample_name='b'))['gt_image_label'] == 0
    # the list wins over a mask that says otherwise, and the mask is still dropped
    out = t(dict(results(5), sample_name='b'))
    assert out['gt_image_label'] == 0 and 'gt_seg_map' not in out
    with pytest.raises(KeyError, match='labels.csv'):
        t(dict(sample_name='c'))


def test_label_list_formats_and_errors(tmp_path):
    from cdkd.datasets import load_image_label_list
    official = tmp_path / 'train_label.txt'  # KD-MSI's list/train_label.txt
    official.write_text('x_1.png,0,0,1\nx_2.png,0,0,0\n')
    assert load_image_label_list(str(official)) == {'x_1': 1, 'x_2': 0}
    for text, match in (('a,2\n', 'line 1'), ('a,1\nb\n', 'line 2'), ('a,1\na,0\n', 'twice'),
                        ('# nothing\n', 'no samples')):
        bad = tmp_path / 'bad.csv'
        bad.write_text(text)
        with pytest.raises(ValueError, match=match):
            load_image_label_list(str(bad))
    with pytest.raises(FileNotFoundError, match='missing.csv'):
        load_image_label_list(str(tmp_path / 'missing.csv'))
