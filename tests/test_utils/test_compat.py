import os

import numpy as np
import pickle
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

import cdkd  # noqa: F401  (applies the patches)
import mmengine.runner.checkpoint as mmengine_checkpoint
import mmengine.runner.runner as mmengine_runner
from cdkd.utils.compat import load_local_checkpoint, save_checkpoint_atomic


def mmengine_like_checkpoint():
    return dict(state_dict={'w': torch.ones(2)},
                meta=dict(epoch=np.int64(3), seed=np.float64(0.5)),
                message_hub=dict(log_scalars={'loss': HistoryBuffer([1.0, 2.0], [1, 1])}))


def test_weights_only_default_breaks_mmengine_checkpoints_and_the_fix_loads_them(tmp_path):
    path = str(tmp_path / 'iter_1.pth')
    torch.save(mmengine_like_checkpoint(), path)
    # The reason for the fix: torch >= 2.6 refuses these pickles by default.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['epoch'] == 3
    assert isinstance(ckpt['message_hub']['log_scalars']['loss'], HistoryBuffer)
    assert CheckpointLoader._schemes[''] is load_local_checkpoint


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))


def test_runner_uses_atomic_save():
    assert mmengine_runner.save_checkpoint is save_checkpoint_atomic
    assert mmengine_checkpoint.save_checkpoint is save_checkpoint_atomic


def test_interrupted_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / 'latest.pth'
    save_checkpoint_atomic({'v': torch.tensor(1)}, str(path))

    def crash_mid_write(obj, f, *args, **kwargs):
        f.write(b'partial bytes')
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, 'save', crash_mid_write)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint_atomic({'v': torch.tensor(2)}, str(path))
    monkeypatch.undo()
    assert torch.load(str(path))['v'].item() == 1
    assert os.listdir(tmp_path) == ['latest.pth']


def truncated_checkpoint(tmp_path):
    path = tmp_path / 'iter_4.pth'
    torch.save(mmengine_like_checkpoint(), str(path))
    content = path.read_bytes()
    path.write_bytes(content[:len(content) // 2])  # e.g. a copy that did not finish
    return str(path)


def load_with_init_model(path):
    import os.path as osp

    from cdkd.apis import init_model
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    init_model(osp.join(repo, 'configs/siamese/siamfpn_r18_128x128_500it_synthetic.py'), path)


def convert_stkd(path):
    import importlib.util
    import os.path as osp
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        'stkd_to_detector', osp.join(repo, 'tools/model_converters/stkd_to_detector.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.convert(path, path + '.out')


@pytest.mark.parametrize('load', [
    lambda path: CheckpointLoader.load_checkpoint(path, map_location='cpu'),
    # Runner.load_checkpoint / Runner.resume (tools/test.py, load_from, --resume)
    lambda path: mmengine_checkpoint._load_checkpoint(path, map_location='cpu'),
    # load_checkpoint(model, ...) behind cdkd.apis.init_model (infer, infer_scene, export, annotate)
    lambda path: mmengine_checkpoint.load_checkpoint(torch.nn.Linear(2, 2), path),
    load_with_init_model,
    convert_stkd,
], ids=['CheckpointLoader', 'runner', 'load_checkpoint', 'init_model', 'stkd_converter'])
def test_truncated_checkpoint_is_an_error_naming_the_file(tmp_path, load):
    path = truncated_checkpoint(tmp_path)
    with pytest.raises(RuntimeError, match='cannot read checkpoint') as err:
        load(path)
    assert path in str(err.value) and 'truncated' in str(err.value)
