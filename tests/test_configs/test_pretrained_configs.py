"""The pretrained-weights convention of the shipped configs (docs/pretrained.md): real-dataset
configs start from the standard ImageNet checkpoint of their backbone, synthetic ones from random
weights, and every checkpoint name resolves without network access or torchvision."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from cdkd.utils.pretrained import checkpoint_url, find_pretrained_inits

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
                 if '_base_' not in p)
SIAMESE = [p for p in CONFIGS if osp.basename(osp.dirname(p)) == 'siamese']
# backbone type -> checkpoint name pattern (filled with the depth)
CONVENTION = {'ResNetV1c': 'open-mmlab://resnet{}_v1c', 'ResNet': 'torchvision://resnet{}'}


def rel(p):
    return osp.relpath(p, osp.join(REPO, 'configs'))


def backbone_depths(model_cfg, key='model'):
    """{config path of a backbone's init_cfg: (type, depth)} for every ResNet-like backbone."""
    out = {}
    if isinstance(model_cfg, dict):
        if model_cfg.get('type') in CONVENTION and 'depth' in model_cfg:
            out[f'{key}.init_cfg'] = (model_cfg['type'], model_cfg['depth'])
        for k, v in model_cfg.items():
            out.update(backbone_depths(v, f'{key}.{k}'))
    elif isinstance(model_cfg, (list, tuple)):
        for i, v in enumerate(model_cfg):
            out.update(backbone_depths(v, f'{key}.{i}'))
    return out


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_pretrained_names_follow_the_convention_and_resolve_offline(path):
    model = Config.fromfile(path).model
    depths = backbone_depths(model)
    for init in find_pretrained_inits(model):
        checkpoint_url(init.checkpoint)  # a known name (raises KeyError otherwise)
        if init.key in depths and '://' in init.checkpoint:
            type_, depth = depths[init.key]
            assert init.checkpoint == CONVENTION[type_].format(depth), init


@pytest.mark.parametrize('path', SIAMESE, ids=rel)
def test_siamese_real_dataset_configs_start_from_imagenet(path):
    inits = find_pretrained_inits(Config.fromfile(path).model)
    if 'synthetic' in osp.basename(path):
        assert inits == []  # the first command works offline
    else:
        assert [i.key for i in inits] == ['model.backbone.init_cfg']
