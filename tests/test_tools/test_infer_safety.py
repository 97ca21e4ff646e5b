"""tools/infer.py refuses outputs that collide or overwrite inputs (before writing anything), and
every inference tool loads checkpoints strictly, naming the mismatched keys."""
import os

import cv2
import numpy as np
import pytest
import torch

from cdkd.apis import init_model
from tests.test_tools.test_infer_scene_export_tools import load_tool, tiny_checkpoint  # noqa: F401
from tests.test_tools.test_train_test_infer import write_config


@pytest.fixture
def pair_folders(tmp_path):
    rng = np.random.default_rng(0)
    for folder in ('A', 'B'):
        os.makedirs(tmp_path / folder)
        for name in ('x.png', 'x.jpg', 'y.png'):
            cv2.imwrite(str(tmp_path / folder / name), rng.integers(0, 256, (64, 64, 3), np.uint8))
    return tmp_path / 'A', tmp_path / 'B'


def snapshot(folder):
    return {n: (folder / n).read_bytes() for n in sorted(os.listdir(folder))}


def test_same_stem_pairs_stop_before_anything_is_written(tmp_path, tiny_checkpoint, pair_folders):
    config, ckpt = tiny_checkpoint
    a, b = pair_folders
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match=r'x\.jpg and .*x\.png would both be written to .*x\.png'):
        load_tool('infer').main([config, ckpt, '--dirs', str(a), str(b), '--out-dir', str(out)])
    assert not out.exists()


def test_suffix_outputs_collide_with_another_pairs_mask(tmp_path, tiny_checkpoint):
    """``x_prob.png`` is both x's probability map and the mask of the pair ``x_prob``."""
    config, ckpt = tiny_checkpoint
    rng = np.random.default_rng(1)
    for folder in ('A', 'B'):
        os.makedirs(tmp_path / folder)
        for name in ('x.png', 'x_prob.png'):
            cv2.imwrite(str(tmp_path / folder / name), rng.integers(0, 256, (32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r'would both be written to .*x_prob\.png'):
        load_tool('infer').main([config, ckpt, '--dirs', str(tmp_path / 'A'), str(tmp_path / 'B'),
                                 '--out-dir', str(tmp_path / 'out'), '--save-prob'])


@pytest.mark.parametrize('where', ['A', 'A/sub', 'link'])
def test_out_dir_in_an_input_folder_is_refused(tmp_path, tiny_checkpoint, where):
    config, ckpt = tiny_checkpoint
    rng = np.random.default_rng(2)
    for folder in ('A', 'B'):
        os.makedirs(tmp_path / folder)
        cv2.imwrite(str(tmp_path / folder / 'y.png'), rng.integers(0, 256, (32, 32, 3), np.uint8))
    os.symlink(tmp_path / 'A', tmp_path / 'link')
    before = snapshot(tmp_path / 'A')
    with pytest.raises(ValueError, match=r'--out-dir .* is \(inside\) the input folder'):
        load_tool('infer').main([config, ckpt, '--dirs', str(tmp_path / 'A'), str(tmp_path / 'B'),
                                 '--out-dir', str(tmp_path / where)])
    assert snapshot(tmp_path / 'A') == before


def test_pair_output_may_not_be_an_input(tmp_path, tiny_checkpoint):
    config, ckpt = tiny_checkpoint
    rng = np.random.default_rng(3)
    for name in ('t1.png', 't2.png'):
        cv2.imwrite(str(tmp_path / name), rng.integers(0, 256, (32, 32, 3), np.uint8))
    before = (tmp_path / 't1.png').read_bytes()
    with pytest.raises(ValueError, match=r't1\.png \(output for .*\) would overwrite the input'):
        load_tool('infer').main([config, ckpt, '--pair', str(tmp_path / 't1.png'),
                                 str(tmp_path / 't2.png'), '--out-dir', str(tmp_path)])
    assert (tmp_path / 't1.png').read_bytes() == before


@pytest.fixture(scope='module')
def other_architecture(tmp_path_factory):
    """A checkpoint of a single-logit head with another fusion (concat doubles the head input)."""
    root = tmp_path_factory.mktemp('other')
    extra = ("model = dict(backbone=dict(stem_channels=8, base_channels=8), "
             "neck=dict(policy='concat'), decode_head=dict(in_channels=[16, 32, 64, 128], "
             "channels=16, out_channels=1, threshold=0.5, "
             "loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)))\n")
    config = write_config(str(root / 'other.py'), str(root / 'data'), extra=extra)
    torch.save(dict(state_dict=init_model(config).state_dict(), meta={}), root / 'other.pth')
    return str(root / 'other.pth')


def test_init_model_is_strict_and_names_the_keys(tiny_checkpoint, other_architecture):
    config, _ = tiny_checkpoint
    with pytest.raises(ValueError, match=r'other\.pth does not fit the model of .*tiny\.py: '
                                         r'\d+ shape mismatch\(es\): decode_head\.') as err:
        init_model(config, other_architecture)
    assert 'decode_head.conv_seg.weight (checkpoint (1, 16, 1, 1), model (2, 16, 1, 1))' in str(
        err.value)


def test_missing_and_unexpected_keys_are_named(tmp_path, tiny_checkpoint):
    config, ckpt = tiny_checkpoint
    state = torch.load(ckpt, weights_only=False)['state_dict']
    state['extra.weight'] = torch.zeros(1)
    del state['decode_head.conv_seg.bias']
    torch.save(dict(state_dict=state), tmp_path / 'edited.pth')
    with pytest.raises(ValueError, match=r"1 key\(s\) of the model missing from the checkpoint: "
                                         r"decode_head\.conv_seg\.bias; 1 unexpected key\(s\) in "
                                         r"the checkpoint: extra\.weight"):
        init_model(config, str(tmp_path / 'edited.pth'))
    stkd = {f'detector.{k}': v for k, v in torch.load(ckpt, weights_only=False)['state_dict'].items()}
    torch.save(dict(state_dict=stkd), tmp_path / 'stkd.pth')
    with pytest.raises(ValueError, match='stkd_to_detector.py'):
        init_model(config, str(tmp_path / 'stkd.pth'))
    init_model(config, ckpt)  # the matching checkpoint loads


def test_inference_tools_refuse_another_architecture(tmp_path, tiny_checkpoint, other_architecture):
    config, _ = tiny_checkpoint
    rng = np.random.default_rng(4)
    for name in ('t1.png', 't2.png'):
        cv2.imwrite(str(tmp_path / name), rng.integers(0, 256, (32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match='does not fit'):
        load_tool('infer').main([config, other_architecture, '--pair', str(tmp_path / 't1.png'),
                                 str(tmp_path / 't2.png'), '--out-dir', str(tmp_path / 'out')])
    assert not (tmp_path / 'out').exists()
    with pytest.raises(ValueError, match='does not fit'):
        load_tool('export_onnx').main([config, other_architecture, '--out',
                                       str(tmp_path / 'm.onnx')])
    assert not (tmp_path / 'm.onnx').exists()
