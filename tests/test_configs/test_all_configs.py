"""Every shipped config parses, names registered components, and builds its model."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from cdkd.registry import DATASETS, MODELS, TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
                 if '_base_' not in p)


def test_configs_are_found():
    assert len(CONFIGS) > 30


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(REPO, 'configs')))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg.get(loader, {}).get('dataset') if cfg.get(loader) else None
        if dataset is None:
            continue
        assert DATASETS.get(dataset['type']) is not None, f'{loader}: {dataset["type"]}'
        for step in dataset.get('pipeline', []):
            assert TRANSFORMS.get(step['type']) is not None, f'{loader}: {step["type"]}'
    if cfg.model.type == 'TeacherStudentDistiller':  # teacher checkpoints come from a training run
        teachers = cfg.model.teacher if isinstance(cfg.model.teacher, list) else [cfg.model.teacher]
        for teacher in teachers:
            assert isinstance(teacher.checkpoint, str) and teacher.checkpoint.endswith('.pth')
            teacher.checkpoint = None
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    if 'tta_model' in cfg:  # as tools/test.py --tta builds it
        for step in cfg.get('tta_pipeline', []):
            assert TRANSFORMS.get(step['type']) is not None, f'tta_pipeline: {step["type"]}'
        MODELS.build(dict(cfg.tta_model, module=cfg.model))
