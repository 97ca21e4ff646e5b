"""ImageNet initialisation: torchvision:// and open-mmlab:// names load offline from torch's hub
cache into mmseg's ResNet / ResNetV1c, and missing weights stop training early and clearly."""
import os
import os.path as osp
import subprocess
import sys
import urllib.error

import pytest
import torch
from mmengine.registry import init_default_scope

from cdkd.registry import MODELS
from cdkd.utils import pretrained
from cdkd.utils.pretrained import (PretrainedWeightsUnavailable, cache_path,
                                   check_pretrained_weights, checkpoint_url,
                                   drop_pretrained_inits, find_pretrained_inits)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WIDTH = 8  # a ResNet-18 with 8 base channels: small files, the real key layout


def torchvision_resnet18_state_dict(width=WIDTH, seed=0):
    """Keys and shapes of torchvision's ``resnet18()`` (BasicBlocks, 7x7 stem, ``fc``), written
    out here rather than taken from mmseg, with random values."""
    g = torch.Generator().manual_seed(seed)
    sd = {}

    def conv(name, cout, cin, k):
        sd[f'{name}.weight'] = torch.randn(cout, cin, k, k, generator=g)

    def bn(name, c):
        sd[f'{name}.weight'] = torch.rand(c, generator=g) + 0.5
        sd[f'{name}.bias'] = torch.randn(c, generator=g)
        sd[f'{name}.running_mean'] = torch.randn(c, generator=g)
        sd[f'{name}.running_var'] = torch.rand(c, generator=g) + 0.5
        sd[f'{name}.num_batches_tracked'] = torch.tensor(7)

    conv('conv1', width, 3, 7)
    bn('bn1', width)
    cin = width
    for stage in range(4):
        cout = width * 2**stage
        for block in range(2):
            p = f'layer{stage + 1}.{block}'
            conv(f'{p}.conv1', cout, cin if block == 0 else cout, 3)
            bn(f'{p}.bn1', cout)
            conv(f'{p}.conv2', cout, cout, 3)
            bn(f'{p}.bn2', cout)
            if block == 0 and stage > 0:
                conv(f'{p}.downsample.0', cout, cin, 1)
                bn(f'{p}.downsample.1', cout)
        cin = cout
    sd['fc.weight'] = torch.randn(1000, cin, generator=g)
    sd['fc.bias'] = torch.randn(1000, generator=g)
    return sd


def backbone(type_='ResNet', checkpoint='torchvision://resnet18'):
    init_default_scope('cdkd')
    return MODELS.build(dict(type=type_, depth=18, stem_channels=WIDTH, base_channels=WIDTH,
                             init_cfg=dict(type='Pretrained', checkpoint=checkpoint)))


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache (TORCH_HOME), no network, and no importable torchvision."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    monkeypatch.setitem(sys.modules, 'torchvision', None)

    def offline(url, dst, *args, **kwargs):
        raise urllib.error.URLError('no network in this test')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', offline)
    return tmp_path


def put_in_cache(name, state_dict):
    path = cache_path(checkpoint_url(name))
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(state_dict, path)
    return path


def test_names_resolve_without_torchvision(monkeypatch):
    monkeypatch.setitem(sys.modules, 'torchvision', None)  # `import torchvision` now fails
    assert checkpoint_url('torchvision://resnet18').endswith('/resnet18-f37072fd.pth')
    assert checkpoint_url('torchvision://resnet50').endswith('/resnet50-0676ba61.pth')
    assert checkpoint_url('open-mmlab://resnet18_v1c').endswith('/resnet18_v1c-b5776b93.pth')
    assert checkpoint_url('open-mmlab://resnet50_v1c').endswith('/resnet50_v1c-2cccc1ad.pth')
    assert checkpoint_url('/data/r50.pth') is None
    with pytest.raises(KeyError, match='torchvision cannot be imported'):
        checkpoint_url('torchvision://resnet50.imagenet1k_v2')  # newer names need torchvision


def test_torchvision_resnet18_lands_in_resnet(hub):
    weights = torchvision_resnet18_state_dict()
    put_in_cache('torchvision://resnet18', weights)
    net = backbone('ResNet')
    net.init_weights()
    loaded = net.state_dict()
    expected = {k: v for k, v in weights.items() if not k.startswith('fc.')}
    assert set(loaded) == set(expected)  # same layout; only the classifier is dropped
    for k, v in expected.items():
        assert torch.equal(loaded[k], v), k
    assert 'fc.weight' not in pretrained.load_from_torchvision('torchvision://resnet18')


def test_torchvision_weights_load_the_stages_of_resnetv1c_not_its_deep_stem(hub):
    weights = torchvision_resnet18_state_dict()
    put_in_cache('torchvision://resnet18', weights)
    net = backbone('ResNetV1c')
    random_stem = {k: v.clone() for k, v in net.state_dict().items() if k.startswith('stem.')}
    net.init_weights()
    loaded = net.state_dict()
    stages = [k for k in weights if k.startswith('layer')]
    assert stages and all(torch.equal(loaded[k], weights[k]) for k in stages)
    assert random_stem and not any(k in weights for k in random_stem)  # no counterpart


def test_open_mmlab_resnet18_v1c_from_the_hub_cache(hub):
    torch.manual_seed(1)
    source = backbone('ResNetV1c', checkpoint='/unused.pth')
    weights = {k: torch.randn_like(v.float()).to(v.dtype) for k, v in source.state_dict().items()}
    put_in_cache('open-mmlab://resnet18_v1c', dict(state_dict=weights))
    net = backbone('ResNetV1c', checkpoint='open-mmlab://resnet18_v1c')
    model_cfg = dict(backbone=dict(type='ResNetV1c', init_cfg=dict(
        type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')))
    assert check_pretrained_weights(model_cfg) == [
        cache_path(checkpoint_url('open-mmlab://resnet18_v1c'))]  # found, no download
    net.init_weights()
    for k, v in net.state_dict().items():
        assert torch.equal(v, weights[k]), k


def test_mmengine_does_not_fall_back_to_random_init():
    """Without the early check a missing file still raises (inside init_weights, late)."""
    with pytest.raises(FileNotFoundError):
        backbone('ResNet', checkpoint='/no/such/resnet18.pth').init_weights()


DISTILLER = dict(
    type='Distiller',
    teacher=dict(backbone=dict(type='ResNetV1c', init_cfg=dict(
        type='Pretrained', checkpoint='open-mmlab://resnet50_v1c'))),
    student=dict(backbone=dict(type='ResNet', init_cfg=[
        dict(type='Kaiming', layer='Conv2d'),
        dict(type='Pretrained', checkpoint='torchvision://resnet18')])),
    encoders=[dict(type='ResNet', pretrained='/weights/r18.pth'),
              dict(type='ResNet', init_cfg=None)])


def test_every_pretrained_init_of_nested_models_is_found_and_dropped():
    found = find_pretrained_inits(DISTILLER)
    assert [(f.key, f.module_type, f.checkpoint, f.option) for f in found] == [
        ('model.teacher.backbone.init_cfg', 'ResNetV1c', 'open-mmlab://resnet50_v1c',
         'model.teacher.backbone.init_cfg.checkpoint'),
        ('model.student.backbone.init_cfg.1', 'ResNet', 'torchvision://resnet18',
         'model.student.backbone.init_cfg.1.checkpoint'),
        ('model.encoders.0.pretrained', 'ResNet', '/weights/r18.pth',
         'model.encoders.0.pretrained')]
    cfg = dict(DISTILLER, student=dict(backbone=dict(DISTILLER['student']['backbone'])))
    cfg['teacher'] = dict(backbone=dict(DISTILLER['teacher']['backbone']))
    cfg['encoders'] = [dict(e) for e in DISTILLER['encoders']]
    assert drop_pretrained_inits(cfg) == 3 and find_pretrained_inits(cfg) == []
    assert cfg['student']['backbone']['init_cfg'] == [dict(type='Kaiming', layer='Conv2d')]


def test_missing_weights_name_checkpoint_cache_path_option_and_scratch_flag(hub):
    put_in_cache('torchvision://resnet18', torchvision_resnet18_state_dict())
    with pytest.raises(PretrainedWeightsUnavailable) as err:
        check_pretrained_weights(DISTILLER)
    msg = str(err.value)
    r50 = cache_path(checkpoint_url('open-mmlab://resnet50_v1c'))
    assert r50.startswith(str(hub)) and r50 in msg and 'open-mmlab://resnet50_v1c' in msg
    assert 'URLError' in msg and '/weights/r18.pth' in msg
    assert '--cfg-options model.teacher.backbone.init_cfg.checkpoint=/path/to/' in msg
    assert '--cfg-options model.encoders.0.pretrained=/path/to/' in msg
    assert 'torchvision://resnet18' not in msg  # that one is in the cache
    assert '--no-pretrained' in msg


# tools/train.py end to end (tiny siamese config on a few synthetic pairs)

def tiny_config(tmp_path, checkpoint, data=True):
    from tests.test_tools.test_train_test_infer import write_config
    from cdkd.datasets import generate_synthetic_cd
    root = tmp_path / 'data'
    if data:
        generate_synthetic_cd(str(root), dict(train=4, test=2), size=64, seed=3, progress=False)
    extra = (f"model['backbone']['init_cfg'] = dict(_delete_=True, type='Pretrained', "
             f"checkpoint={checkpoint!r})\n")
    return write_config(tmp_path / 'tiny.py', str(root), iters=2, crop=64, extra=extra)


def train(cfg, work, *flags, torch_home):
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'TORCH_HOME': str(torch_home),
           'PYTHONPATH': REPO}
    return subprocess.run([sys.executable, 'tools/train.py', str(cfg), '--work-dir', str(work),
                           *flags], cwd=REPO, capture_output=True, text=True, env=env)


def test_train_stops_before_building_when_weights_are_missing(tmp_path):
    missing = str(tmp_path / 'resnet18_v1c.pth')
    cfg = tiny_config(tmp_path, missing, data=False)  # stops before the dataset is looked at
    proc = train(cfg, tmp_path / 'work', torch_home=tmp_path / 'torch')
    assert proc.returncode != 0
    assert 'model.backbone.init_cfg' in proc.stderr and missing in proc.stderr
    assert '--no-pretrained' in proc.stderr and 'Traceback' not in proc.stderr
    assert not (tmp_path / 'work').exists()  # nothing built, nothing written


@pytest.mark.slow
def test_no_pretrained_trains_from_scratch(tmp_path):
    cfg = tiny_config(tmp_path, str(tmp_path / 'resnet18_v1c.pth'))
    proc = train(cfg, tmp_path / 'scratch', '--no-pretrained', torch_home=tmp_path / 'torch')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '1 Pretrained init(s) dropped' in proc.stdout + proc.stderr


def test_train_loads_open_mmlab_weights_from_the_cache_in_channels_last(tmp_path):
    cfg = tiny_config(tmp_path, 'open-mmlab://resnet18_v1c')
    init_default_scope('cdkd')
    source = MODELS.build(dict(type='ResNetV1c', depth=18, stem_channels=WIDTH,
                               base_channels=WIDTH))
    weights = {k: torch.full_like(v, 0.5) if v.is_floating_point() else v
               for k, v in source.state_dict().items()}
    hub_dir = tmp_path / 'torch' / 'hub' / 'checkpoints'
    hub_dir.mkdir(parents=True)
    torch.save(dict(state_dict=weights), hub_dir / 'resnet18_v1c-b5776b93.pth')
    work = tmp_path / 'work'
    proc = train(cfg, work, '--channels-last', torch_home=tmp_path / 'torch')
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'Loads checkpoint by openmmlab backend from path: open-mmlab://resnet18_v1c' in log
    assert 'do not match exactly' not in log  # every backbone key loaded
    state = torch.load(work / 'iter_2.pth', map_location='cpu', weights_only=False)['state_dict']
    conv = state['backbone.layer1.0.conv1.weight']
    torch.testing.assert_close(conv, torch.full_like(conv, 0.5), atol=0.01, rtol=0)  # 2 steps on
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()


def test_unknown_checkpoint_name_is_a_clear_error(hub):
    cfg = dict(backbone=dict(type='ResNet', init_cfg=dict(type='Pretrained',
                                                         checkpoint='torchvision://resnet77')))
    with pytest.raises(PretrainedWeightsUnavailable, match='resnet77') as err:
        check_pretrained_weights(cfg)
    assert 'known names' in str(err.value) and 'resnet50' in str(err.value)


def test_student_named_by_cfg_path_is_inlined_checked_and_dropped(tmp_path, hub):
    student_file = tmp_path / 'student.py'
    student_file.write_text(
        "model = dict(type='ChangeDetector', backbone=dict(type='ResNet', init_cfg=dict("
        "type='Pretrained', checkpoint='torchvision://resnet18')))\n")
    teacher_backbone = dict(type='ResNet', init_cfg=dict(
        type='Pretrained', checkpoint='open-mmlab://resnet50_v1c'))
    model = dict(type='TeacherStudentDistiller',
                 architecture=dict(cfg_path=str(student_file)),
                 teacher=[dict(model=dict(backbone=teacher_backbone), checkpoint='/t.pth')])
    assert find_pretrained_inits(model) == []  # the student hides behind its file
    assert pretrained.inline_model_files(model) == 1
    assert model['architecture']['backbone']['type'] == 'ResNet'
    # the teacher's weights come from its checkpoint: its ImageNet init is neither required ...
    assert [f.key for f in find_pretrained_inits(model)] == [
        'model.architecture.backbone.init_cfg']
    with pytest.raises(PretrainedWeightsUnavailable) as err:
        check_pretrained_weights(model)
    assert 'model.architecture.backbone.init_cfg.checkpoint' in str(err.value)
    assert 'resnet50_v1c' not in str(err.value)
    # ... nor touched by --no-pretrained's inlining
    assert drop_pretrained_inits(model['architecture']) == 1
    assert find_pretrained_inits(model) == []


def test_inlining_names_a_missing_student_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='architecture.*nowhere.py'):
        pretrained.inline_model_files(dict(architecture=dict(cfg_path=str(tmp_path / 'nowhere.py'))))
