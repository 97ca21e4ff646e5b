"""STKD checkpoint conversion and the configs/stkd configs."""
import glob
import importlib.util
import os.path as osp

import torch
from mmengine.config import Config

from cdkd.registry import MODELS
from tests.test_models.tiny import tiny_detector

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_converter():
    path = osp.join(REPO, 'tools/model_converters/stkd_to_detector.py')
    spec = importlib.util.spec_from_file_location('stkd_to_detector', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_convert_checkpoint_loads_into_plain_detector(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='STKDDistiller', detector=tiny_detector(), ema_teacher=True))
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=3)), tmp_path / 'stkd.pth')
    convert = load_converter().convert
    for source in ('detector', 'ema_teacher'):
        n = convert(str(tmp_path / 'stkd.pth'), str(tmp_path / 'plain.pth'), source)
        plain = MODELS.build(tiny_detector())
        state = torch.load(tmp_path / 'plain.pth', weights_only=False)
        plain.load_state_dict(state['state_dict'])  # strict: every key matches
        assert n == len(plain.state_dict()) and state['meta']['iter'] == 3
        assert torch.equal(plain.backbone.stem[0].weight,
                           getattr(model, source).backbone.stem[0].weight)


def test_stkd_configs_parse_and_wrap_a_detector():
    paths = sorted(glob.glob(osp.join(REPO, 'configs/stkd/*.py')))
    assert len(paths) >= 22
    for path in paths:
        cfg = Config.fromfile(path)
        assert cfg.model.type == 'STKDDistiller', path
        assert cfg.model.detector.type == 'SiameseEncoderDecoder', path
        train = cfg.train_dataloader.dataset.pipeline
        assert train[-1]['type'] == 'PackChangeInputs'
        if cfg.model.get('student_augment'):  # the official batch-level view: none in the pipeline
            assert all(not t['type'].startswith('Student') for t in train), path
        else:  # cdkd's perturbation family: a Student* transform right before packing
            assert train[-2]['type'].startswith('Student'), path
        assert all(not t['type'].startswith('Student') for t in cfg.test_dataloader.dataset.pipeline)
    cfg = Config.fromfile(osp.join(REPO, 'configs/stkd/stkd_siamfpn_r18_128x128_500it_synthetic.py'))
    model = MODELS.build(cfg.model)
    assert model.data_preprocessor is model.detector.data_preprocessor
