import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from cdkd.datasets import (BiTemporalCDDataset, DSIFNCDDataset, HeteroCDDataset,
                           LEVIRCDDataset, SYSUCDDataset, WHUCDDataset)
from cdkd.registry import DATASETS
from .helpers import make_cd_folder, shared_subset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_PIPELINE = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='PackChangeInputs'),
]


def test_items_follow_the_contract(tmp_path):
    root = make_cd_folder(tmp_path, names=('b', 'a', 'c'))
    ds = BiTemporalCDDataset(data_root=root)
    assert len(ds) == 3 and ds.metainfo['classes'] == ('unchanged', 'changed')
    item = ds.get_data_info(0)
    assert item['sample_name'] == 'a'  # sorted
    assert item['img_paths'] == [osp.join(root, 'A', 'a.png'), osp.join(root, 'B', 'a.png')]
    assert item['seg_map_path'] == osp.join(root, 'label', 'a.png')
    assert item['label_encoding'] == '0_255' and item['seg_fields'] == []
    assert [ds.get_data_info(i)['sample_name'] for i in range(3)] == ['a', 'b', 'c']


def test_pipeline_and_unlabelled_split(tmp_path):
    root = make_cd_folder(tmp_path)
    ds = DATASETS.build(dict(type='BiTemporalCDDataset', data_root=root, pipeline=TEST_PIPELINE))
    packed = ds[0]
    assert packed['inputs'].shape == (6, 16, 24)
    assert set(packed['data_samples'].gt_sem_seg.data.unique().tolist()) <= {0, 1}
    unlabelled = BiTemporalCDDataset(data_root=root, pipeline=TEST_PIPELINE,
                                     data_prefix=dict(img_path_from='A', img_path_to='B'))
    assert unlabelled.get_data_info(0)['seg_map_path'] is None
    assert 'gt_sem_seg' not in unlabelled[0]['data_samples']


def test_extra_image_keys_come_after_the_pair(tmp_path):
    root = make_cd_folder(tmp_path, folders=('A', 'C', 'B', 'Label'))
    ds = BiTemporalCDDataset(data_root=root, data_prefix=dict(
        img_path_to_optical='C', img_path_from='A', seg_map_path='Label', img_path_to='B'))
    assert [osp.basename(osp.dirname(p)) for p in ds.get_data_info(0)['img_paths']] == \
        ['A', 'B', 'C']


def test_ann_file_selects_and_orders(tmp_path):
    root = make_cd_folder(tmp_path)
    (tmp_path / 'list.txt').write_text('s3\n\n# comment\ns1.png\n')
    ds = BiTemporalCDDataset(data_root=root, ann_file='list.txt')
    assert [ds.get_data_info(i)['sample_name'] for i in range(len(ds))] == ['s3', 's1']
    (tmp_path / 'bad.txt').write_text('s1\nghost\n')
    with pytest.raises(FileNotFoundError, match=r"'ghost'.*line 2.*bad\.txt"):
        BiTemporalCDDataset(data_root=root, ann_file='bad.txt')
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        BiTemporalCDDataset(data_root=root, ann_file='missing.txt')


def test_errors_name_the_culprit(tmp_path):
    root = make_cd_folder(tmp_path / 'ok')
    with pytest.raises(FileNotFoundError, match='data_root .*nowhere'):
        BiTemporalCDDataset(data_root=str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match=r"ok/Bee .*'img_path_to'"):
        BiTemporalCDDataset(data_root=root, data_prefix=dict(img_path_from='A', img_path_to='Bee'))
    (tmp_path / 'empty' / 'A').mkdir(parents=True)
    (tmp_path / 'empty' / 'B').mkdir()
    with pytest.raises(FileNotFoundError, match=r'empty/A is empty'):
        BiTemporalCDDataset(data_root=str(tmp_path / 'empty'),
                            data_prefix=dict(img_path_from='A', img_path_to='B'))
    with pytest.raises(FileNotFoundError, match=r"suffix '\.jpg'.*\.png \(3\)"):
        BiTemporalCDDataset(data_root=root, img_suffix='.jpg')
    os.remove(osp.join(root, 'label', 's2.png'))
    with pytest.raises(FileNotFoundError, match=r"'s2'.*label/s2\.png is missing"):
        BiTemporalCDDataset(data_root=root)
    os.remove(osp.join(root, 'B', 's1.png'))
    with pytest.raises(FileNotFoundError, match=r"B/s1\.png is missing"):
        BiTemporalCDDataset(data_root=root)
    with pytest.raises(ValueError, match="label_encoding '0-255'"):
        BiTemporalCDDataset(data_root=root, label_encoding='0-255')


def test_lazy_init_defers_checks(tmp_path):
    ds = BiTemporalCDDataset(data_root=str(tmp_path / 'later'), lazy_init=True)
    make_cd_folder(tmp_path / 'later')
    ds.full_init()
    assert len(ds) == 3


def test_public_dataset_conventions(tmp_path):
    sysu = make_cd_folder(tmp_path / 'sysu', folders=('time1', 'time2', 'label'))
    assert len(SYSUCDDataset(data_root=sysu)) == 3
    dsifn = make_cd_folder(tmp_path / 'dsifn', folders=('t1', 't2', 'mask'), img_suffix='.jpg')
    assert DSIFNCDDataset(data_root=dsifn).get_data_info(0)['img_paths'][0].endswith('t1/s1.jpg')
    dsifn_test = make_cd_folder(tmp_path / 'dsifn_test', folders=('t1', 't2', 'mask'),
                                img_suffix='.jpg', seg_suffix='.tif')
    ds = DSIFNCDDataset(data_root=dsifn_test, seg_map_suffix='.tif', pipeline=TEST_PIPELINE)
    assert ds[0]['data_samples'].gt_sem_seg.data.max() <= 1
    whu = make_cd_folder(tmp_path / 'whu', mask_values=(0, 1))
    ds = WHUCDDataset(data_root=whu, pipeline=TEST_PIPELINE)
    assert ds.get_data_info(0)['label_encoding'] == 'auto'
    assert ds[0]['data_samples'].gt_sem_seg.data.unique().tolist() == [0, 1]
    with pytest.raises(ValueError, match="label_encoding='0_1'"):
        LEVIRCDDataset(data_root=whu, pipeline=TEST_PIPELINE)[0]


def test_hetero_optical_t2_flag(tmp_path):
    root = make_cd_folder(tmp_path, folders=('A', 'B', 'C', 'Label'))
    full = HeteroCDDataset(data_root=root, pipeline=TEST_PIPELINE)
    assert len(full.get_data_info(0)['img_paths']) == 3
    assert full[0]['inputs'].shape[0] == 9
    os.rename(osp.join(root, 'C'), osp.join(root, 'C_unused'))  # test time: no optical t2
    pair = HeteroCDDataset(data_root=root, with_optical_t2=False, pipeline=TEST_PIPELINE)
    assert [osp.basename(osp.dirname(p)) for p in pair.get_data_info(0)['img_paths']] == ['A', 'B']


TRAIN_PIPELINE = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=(128, 128)),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion'),
    dict(type='RandomTemporalExchange', prob=0.5),
    dict(type='PackChangeInputs'),
]


@pytest.mark.parametrize('subset,cls', [('levir_cd256', 'LEVIRCDDataset'),
                                        ('dsifn_cd256', 'DSIFNCDDataset')])
def test_real_optical_samples(subset, cls):
    root = shared_subset(subset)
    prefix = dict(img_path_from='A', img_path_to='B', seg_map_path='label')
    test = DATASETS.build(dict(type=cls, data_root=root, data_prefix=prefix, img_suffix='.png',
                               pipeline=TEST_PIPELINE))
    assert len(test) >= 10
    changed = []
    for i in range(len(test)):
        packed = test[i]
        assert packed['inputs'].shape == (6, 256, 256) and packed['inputs'].dtype == torch.uint8
        gt = packed['data_samples'].gt_sem_seg.data
        assert set(gt.unique().tolist()) <= {0, 1}
        changed.append(gt.float().mean().item())
    assert 0.05 < np.mean(changed) < 0.5  # README: 15.4 % (LEVIR) and 27.1 % (DSIFN)
    train = DATASETS.build(dict(type=cls, data_root=root, data_prefix=prefix, img_suffix='.png',
                                pipeline=TRAIN_PIPELINE))
    np.random.seed(0)
    packed = train[1]
    assert packed['inputs'].shape == (6, 128, 128)
    assert packed['data_samples'].gt_sem_seg.data.shape == (1, 128, 128)


def test_real_heterogeneous_samples():
    root = shared_subset('hetero')
    ds = HeteroCDDataset(data_root=root, with_optical_t2=False, pipeline=TEST_PIPELINE,
                         data_prefix=dict(img_path_from='A', img_path_to='B', seg_map_path='label'))
    names = [ds.get_data_info(i)['sample_name'] for i in range(len(ds))]
    assert names == ['Italy', 'shuguang', 'srf_dataset5', 'srf_dataset6']
    packed = ds[names.index('shuguang')]
    sample = packed['data_samples']
    # Shuguang: SAR t1 stored as three equal grey channels, optical RGB t2.
    assert sample.num_bands == (3, 3) and packed['inputs'].shape == (6, 593, 921)
    sar = packed['inputs'][:3]
    assert torch.equal(sar[0], sar[1]) and torch.equal(sar[0], sar[2])
    assert not torch.equal(packed['inputs'][3], packed['inputs'][4])
    assert 0 < sample.gt_sem_seg.data.float().mean() < 0.3


@pytest.mark.parametrize('name', ['levir_cd', 'whu_cd', 'sysu_cd', 'dsifn_cd', 'hetero_cd',
                                  'synthetic_cd', 'synthetic_hetero_cd', 'ombria_gold'])
def test_dataset_configs_are_consistent(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets', name + '.py'))
    # epoch-based recipes (GOLD's hetero sets) shuffle with the DefaultSampler
    assert cfg.train_dataloader.sampler.type in ('InfiniteSampler', 'DefaultSampler')
    assert cfg.train_dataloader.sampler.shuffle
    for split in ('val', 'test'):
        loader = cfg[f'{split}_dataloader']
        assert loader.sampler.type == 'DefaultSampler' and loader.persistent_workers
        assert loader.dataset.type == cfg.dataset_type
    assert cfg.val_evaluator.type == 'ChangeMetric' and cfg.test_evaluator == cfg.val_evaluator
    assert cfg.train_pipeline[-1].type == 'PackChangeInputs'
    assert DATASETS.get(cfg.dataset_type) is not None


def test_levir_config_builds_on_real_patches():
    root = shared_subset('levir_cd256')
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets', 'levir_cd.py'))
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.update(data_root=root, data_prefix=dict(img_path_from='A', img_path_to='B',
                                                   seg_map_path='label'))
    packed = DATASETS.build(ds_cfg)[0]
    assert packed['inputs'].shape == (6, 256, 256)
