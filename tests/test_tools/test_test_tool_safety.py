"""tools/test.py and tools/train.py: --data-root re-roots every loader, a missing loader's data is
named, outputs may not overwrite the data, the checkpoint must fit, and --tta keeps the model's
own normalisation."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from cdkd.apis import inference_model, init_model
from cdkd.datasets import generate_synthetic_cd
from cdkd.registry import DATASETS
from cdkd.utils import check_loader_data, load_run_config, reroot_dataloaders
from tests.test_tools.test_infer_scene_export_tools import load_tool
from tests.test_tools.test_train_test_infer import REPO, write_config


def run_failing(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode != 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stderr


@pytest.fixture(scope='module')
def small_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('small')
    generate_synthetic_cd(str(root), dict(train=2, test=2), size=64, seed=5, progress=False)
    return str(root)


@pytest.fixture(scope='module')
def small_model(tmp_path_factory, small_root):
    root = tmp_path_factory.mktemp('small_model')
    config = write_config(str(root / 'tiny.py'), small_root)
    torch.manual_seed(0)
    torch.save(dict(state_dict=init_model(config).state_dict(), meta={}), root / 'tiny.pth')
    return config, str(root / 'tiny.pth')


NESTED = """
train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatDataset', datasets=[
    dict(type='BiTemporalCDDataset', data_root='/nowhere', data_prefix=dict(
         img_path_from='train/A', img_path_to='train/B', seg_map_path='train/label')),
    dict(type='RepeatDataset', times=2, dataset=dict(
         type='BiTemporalCDDataset', data_root='/nowhere', data_prefix=dict(
         img_path_from='test/A', img_path_to='test/B', seg_map_path='test/label')))]))
"""


def test_data_root_reroots_every_loader_and_nested_dataset(tmp_path, small_root):
    config = write_config(str(tmp_path / 'c.py'), '/nowhere', extra=NESTED)
    cfg = load_run_config(config, data_root=small_root)
    check_loader_data(cfg, ('train_dataloader', 'val_dataloader', 'test_dataloader'))
    sizes = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(cfg[loader].dataset)
        sizes[loader] = len(dataset)
    assert sizes == dict(train_dataloader=2 + 2 * 2, val_dataloader=2, test_dataloader=2)
    # --cfg-options come after --data-root: one loader can still point elsewhere
    cfg = load_run_config(config, data_root=small_root,
                          cfg_options={'val_dataloader.dataset.data_root': '/elsewhere'})
    assert cfg.val_dataloader.dataset.data_root == '/elsewhere'
    absolute = Config(dict(test_dataloader=dict(dataset=dict(
        type='BiTemporalCDDataset', data_prefix=dict(img_path_from='/abs/A', img_path_to='B')))))
    with pytest.raises(ValueError, match=r'cannot re-root test_dataloader\.dataset: .*/abs/A'):
        reroot_dataloaders(absolute, small_root)


def test_missing_data_names_the_loader(tmp_path, small_root):
    config = write_config(str(tmp_path / 'c.py'), small_root, extra=NESTED.replace(
        "data_root='/nowhere'", f"data_root={small_root!r}", 1))
    cfg = load_run_config(config)
    with pytest.raises(FileNotFoundError, match=r'^train_dataloader\.dataset\.datasets\[1\]\.'
                                                r'dataset: data_root /nowhere does not exist'):
        check_loader_data(cfg, ('train_dataloader', ))


def test_train_tool_names_the_loader_whose_data_is_missing(tmp_path, small_root):
    """Before anything is built; --cfg-options come after --data-root (one loader elsewhere)."""
    config = write_config(str(tmp_path / 'c.py'), '/nowhere')
    err = run_failing('tools/train.py', config, '--work-dir', str(tmp_path / 'w'), '--data-root',
                      small_root, '--cfg-options', 'val_dataloader.dataset.data_root=/elsewhere')
    assert 'FileNotFoundError: val_dataloader.dataset: data_root /elsewhere does not exist' in err
    assert not osp.exists(tmp_path / 'w' / 'last_checkpoint')


def test_test_tool_data_root(tmp_path, small_root, small_model):
    config = write_config(str(tmp_path / 'c.py'), '/nowhere')
    _, ckpt = small_model
    with pytest.raises(FileNotFoundError, match='^test_dataloader.dataset: data_root /nowhere'):
        load_tool('test').main([config, ckpt, '--work-dir', str(tmp_path / 'w')])
    load_tool('test').main([config, ckpt, '--work-dir', str(tmp_path / 'w'), '--data-root',
                            small_root, '--out', str(tmp_path / 'pred')])
    assert sorted(os.listdir(tmp_path / 'pred')) == sorted(
        os.listdir(osp.join(small_root, 'test', 'A')))


@pytest.mark.parametrize('flag,folder', [('--out', 'test/label'), ('--show-dir', 'test/A'),
                                         ('--out', 'test/label/../label')])
def test_test_tool_refuses_outputs_into_the_data(tmp_path, small_root, small_model, flag, folder):
    config, ckpt = small_model
    labels = osp.join(small_root, 'test', 'label')
    before = {n: open(osp.join(labels, n), 'rb').read() for n in os.listdir(labels)}
    with pytest.raises(ValueError, match=f'^{flag} .* a data folder of test_dataloader.dataset'):
        load_tool('test').main([config, ckpt, '--work-dir', str(tmp_path / 'w'), flag,
                                osp.join(small_root, folder)])
    assert {n: open(osp.join(labels, n), 'rb').read() for n in os.listdir(labels)} == before


def test_test_tool_refuses_a_checkpoint_of_another_architecture(tmp_path, small_root, small_model):
    config, ckpt = small_model
    state = torch.load(ckpt, weights_only=False)['state_dict']
    state['decode_head.conv_seg.weight'] = state['decode_head.conv_seg.weight'][:1]
    state['decode_head.conv_seg.bias'] = state['decode_head.conv_seg.bias'][:1]
    torch.save(dict(state_dict=state, meta={}), tmp_path / 'single.pth')
    with pytest.raises(ValueError, match=r'single\.pth does not fit the model of .*: 2 shape '
                                         r'mismatch\(es\): decode_head\.conv_seg\.weight '
                                         r'\(checkpoint \(1, 16, 1, 1\), model \(2, 16, 1, 1\)\)'):
        load_tool('test').main([config, str(tmp_path / 'single.pth'), '--work-dir',
                                str(tmp_path / 'w'), '--out', str(tmp_path / 'pred')])
    assert not osp.isdir(tmp_path / 'pred') or not os.listdir(tmp_path / 'pred')


OWN_STATISTICS = """
model = dict(data_preprocessor=dict(mean=[20.0, 40.0, 60.0], std=[10.0, 10.0, 10.0]))
tta_model = dict(type='MultiScaleChangeTTA', mode='msi', scales=(1.0, ), flip=False)
"""


def test_tta_normalises_with_the_models_own_statistics(tmp_path, small_root):
    """One scale, no flip: --tta must give the plain model's masks; with the config's top-level
    data_preprocessor (mmengine's TTA wrapper copies it onto the model) they differ."""
    config = write_config(str(tmp_path / 'own.py'), small_root, extra=OWN_STATISTICS)
    torch.manual_seed(0)
    torch.save(dict(state_dict=init_model(config).state_dict(), meta={}), tmp_path / 'm.pth')
    ckpt = str(tmp_path / 'm.pth')
    load_tool('test').main([config, ckpt, '--tta', '--work-dir', str(tmp_path / 'w'), '--out',
                            str(tmp_path / 'pred')])
    top = Config.fromfile(config).data_preprocessor
    with_top = init_model(config, ckpt, cfg_options={'model.data_preprocessor.mean': top.mean,
                                                     'model.data_preprocessor.std': top.std})
    own = init_model(config, ckpt)
    differs = False
    for name in sorted(os.listdir(osp.join(small_root, 'test', 'A'))):
        pair = [osp.join(small_root, 'test', d, name) for d in 'AB']
        expected = inference_model(own, pair).pred_sem_seg.data[0].numpy() * 255
        got = cv2.imread(str(tmp_path / 'pred' / name), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(got, expected, err_msg=name)
        top_mask = inference_model(with_top, pair).pred_sem_seg.data[0].numpy() * 255
        differs |= not np.array_equal(top_mask, expected)
    assert differs, 'the two statistics give the same masks: the test could not fail'
