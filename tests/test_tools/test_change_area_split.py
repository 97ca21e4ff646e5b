"""tools/dataset_converters/change_area_split.py: MTKD's teacher training lists, by the rule the
teacher assigner applies during distillation."""
import os

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from cdkd.datasets import BiTemporalCDDataset
from cdkd.datasets.transforms.loading import encode_change_mask
from cdkd.models.distillers import ChangeAreaTeacherAssigner
from tests.test_tools.test_compression_tools import load_tool

TOOL = 'tools/dataset_converters/change_area_split.py'
# name -> share of 255 pixels in a 20 x 20 mask (0.05 and 0.2 sit on the thresholds)
RATIOS = dict(none=0.0, few=0.03, edge_low=0.05, some=0.1, edge_high=0.2, many=0.5)


def write_masks(folder, ratios=RATIOS, size=20, change=255):
    os.makedirs(folder, exist_ok=True)
    for name, ratio in ratios.items():
        mask = np.zeros(size * size, np.uint8)
        mask[:round(ratio * size * size)] = change
        assert cv2.imwrite(str(folder / f'{name}.png'), mask.reshape(size, size))


def read_list(path):
    return path.read_text().split()


def test_lists_follow_the_teacher_assigner(tmp_path):
    tool = load_tool(TOOL)
    write_masks(tmp_path / 'label')
    tool.main([str(tmp_path / 'label'), str(tmp_path / 'mtkd')])
    lists = [read_list(tmp_path / 'mtkd' / n) for n in
             ('teacher0_0-0.05.txt', 'teacher1_0.05-0.2.txt', 'teacher2_0.2-1.txt')]
    assert lists == [['few', 'none'], ['edge_low', 'some'], ['edge_high', 'many']]

    assigner = ChangeAreaTeacherAssigner(thresholds=(0.05, 0.2))
    for teacher, names in enumerate(lists):
        samples = []
        for name in names:
            sample = SegDataSample()
            mask = encode_change_mask(cv2.imread(str(tmp_path / 'label' / f'{name}.png'), 0),
                                      '0_255')
            sample.gt_sem_seg = PixelData(data=torch.from_numpy(mask)[None].long())
            samples.append(sample)
        assert assigner(samples).argmax(1).tolist() == [teacher] * len(names)


def test_a_list_is_the_ann_file_of_a_teacher_dataset(tmp_path):
    tool = load_tool(TOOL)
    write_masks(tmp_path / 'train' / 'label')
    for sub in ('A', 'B'):
        write_masks(tmp_path / 'train' / sub)  # any image of the same name
    tool.main([str(tmp_path / 'train' / 'label'), str(tmp_path / 'mtkd')])
    dataset = BiTemporalCDDataset(data_root=str(tmp_path), ann_file='mtkd/teacher2_0.2-1.txt',
                                  data_prefix=dict(img_path_from='train/A', img_path_to='train/B',
                                                   seg_map_path='train/label'))
    assert sorted(d['sample_name'] for d in dataset) == ['edge_high', 'many']


def test_ignored_pixels_leave_the_ratio(tmp_path):
    """Under 0_1 a 255 pixel is ignored: 8 change of 100 valid pixels is 0.08 (not 8 of 200, 0.04,
    nor 108 of 200 with the ignored pixels counted as change)."""
    tool = load_tool(TOOL)
    mask = np.zeros((10, 20), np.uint8)
    mask[0, :8] = 1
    mask[5:] = 255
    (tmp_path / 'label').mkdir()
    cv2.imwrite(str(tmp_path / 'label' / 'half_ignored.png'), mask)
    write_masks(tmp_path / 'label', dict(none=0.0, many=0.5), change=1)
    out = tool.main([str(tmp_path / 'label'), str(tmp_path / 'o'), '--label-encoding', '0_1'])
    assert [v for k, v in out.items() if k.endswith('teacher1_0.05-0.2.txt')] == [['half_ignored']]


def test_refusals_write_nothing(tmp_path):
    tool = load_tool(TOOL)
    write_masks(tmp_path / 'label', dict(none=0.0, few=0.03, many=0.5))
    with pytest.raises(ValueError, match=r'holds no pair \(teacher0_0-0.05.txt: 2, '
                                         r'teacher1_0.05-0.2.txt: 0'):
        tool.main([str(tmp_path / 'label'), str(tmp_path / 'o')])
    assert not (tmp_path / 'o').exists()

    write_masks(tmp_path / 'label', dict(some=0.1))
    tool.main([str(tmp_path / 'label'), str(tmp_path / 'o')])
    (tmp_path / 'o' / 'teacher2_0.2-1.txt').write_text('kept\n')
    with pytest.raises(FileExistsError, match='teacher2_0.2-1.txt'):
        tool.main([str(tmp_path / 'label'), str(tmp_path / 'o')])
    assert read_list(tmp_path / 'o' / 'teacher2_0.2-1.txt') == ['kept']
    tool.main([str(tmp_path / 'label'), str(tmp_path / 'o'), '--overwrite'])
    assert read_list(tmp_path / 'o' / 'teacher2_0.2-1.txt') == ['many']

    (tmp_path / 'label' / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='cannot read change mask .*broken.png'):
        tool.main([str(tmp_path / 'label'), str(tmp_path / 'o2')])
    with pytest.raises(SystemExit):
        tool.parse_args(['l', 'o', '--thresholds', '0.2', '0.05'])
    with pytest.raises(FileNotFoundError, match='label folder .*missing does not exist'):
        tool.main([str(tmp_path / 'missing'), str(tmp_path / 'o3')])
