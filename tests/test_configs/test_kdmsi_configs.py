"""The shipped KD-MSI configs hold the official code's values (docs/methods/kdmsi.md)."""
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STAGE1 = ['kdmsi_r50_256x256_20e_whucd.py', 'kdmsi_r50_256x256_20e_levircd.py',
          'kdmsi_r50_256x256_20e_dsifncd.py']
STAGE2 = ['kdmsi-stage2_siamdlv3p_r50_256x256_50e_whucd.py',
          'kdmsi-stage2_siamdlv3p_r50_256x256_50e_levircd.py',
          'kdmsi-stage2_siamdlv3p_r50_256x256_50e_dsifncd.py']
IMAGENET = dict(type='Pretrained', checkpoint='torchvision://resnet50')


def load(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'kdmsi', name))


def types(pipeline):
    return [t['type'] for t in pipeline]


@pytest.mark.parametrize('name', STAGE1)
def test_stage1_official_values(name):
    cfg = load(name)
    for net in (cfg.model.teacher, cfg.model.student):
        assert net.classifier_bias is False and net.joint_date_batch is False
        assert net.backbone.type == 'ResNet' and net.backbone.depth == 50
        assert net.backbone.strides == (1, 2, 2, 1) and net.backbone.dilations == (1, 1, 1, 1)
        assert net.backbone.norm_eval is False and net.backbone.init_cfg == IMAGENET
    assert cfg.model.label_gated_cam is True and cfg.model.kd_weight == 10
    assert cfg.model.test_cfg.upsample == 'nearest'
    assert types(cfg.train_dataloader.dataset.pipeline) == [
        'LoadMultiImageFromFile', 'LoadChangeAnnotation', 'ImageLevelChangeLabel',
        'PackChangeInputs']  # no augmentation
    assert cfg.train_dataloader.batch_size == 8 and cfg.train_dataloader.drop_last
    eval_label = cfg.val_dataloader.dataset.pipeline[2]
    assert eval_label.type == 'ImageLevelChangeLabel' and eval_label.drop_mask is False
    assert cfg.val_dataloader.dataset.data_prefix.img_path_from == 'train/A'
    assert cfg.val_evaluator.image_label_gating is True and cfg.val_evaluator.key == 'IoU'
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay, opt.nesterov) == (
        'SGD', 0.001, 1e-4, 1e-4, True)
    assert cfg.optim_wrapper.constructor == 'BackboneHeadParamGroupsConstructor'
    assert cfg.param_scheduler[0].type == 'PolyLRToEnd' and cfg.param_scheduler[0].power == 0.9
    assert cfg.train_cfg.max_epochs == 20
    tta = cfg.tta_model
    assert (tta.type, tta.mode, tta.scales, tta.flip_axis, tta.antialias,
            tta.output_size_divisor) == ('MultiScaleChangeTTA', 'msi', (0.5, 1.0, 1.25, 2.0),
                                         'width', True, 16)
    assert cfg.model.data_preprocessor.mean == [127.5] * 6


def test_stage1_fusions_per_dataset_follow_the_readme_prose():
    fusions = {n: (load(n).model.teacher.fusion, load(n).model.student.fusion) for n in STAGE1}
    assert fusions == {STAGE1[0]: ('diff', 'concat'), STAGE1[1]: ('abs_diff', 'concat'),
                       STAGE1[2]: ('diff', 'concat')}


def test_stage1_variants_and_mi_configs():
    assert load('kdmsi-momentum0.9_r50_256x256_20e_whucd.py').optim_wrapper.optimizer.momentum \
        == 0.9
    assert 'MultiImgRandomFlip' in types(
        load('kdmsi-flipaug_r50_256x256_20e_whucd.py').train_dataloader.dataset.pipeline)
    for name in ('kdmsi-mi_r50_256x256_20e_whucd.py', 'cambaseline_r50_256x256_20e_whucd.py'):
        tta = load(name).tta_model
        assert tta.mode == 'mi' and tta.scales == (0.5, 1.0, 1.5, 2.0)
    assert load('cambaseline_r50_256x256_20e_whucd.py').model.test_cfg.output == 'teacher'
    synthetic = load('kdmsi_r18_96x96_20e_synthetic.py')
    assert synthetic.model.teacher.backbone.init_cfg is None  # random init
    assert synthetic.val_evaluator.image_label_gating is True


@pytest.mark.parametrize('name', STAGE2)
def test_stage2_official_values(name):
    cfg = load(name)
    backbone, head = cfg.model.backbone, cfg.model.decode_head
    assert backbone.type == 'ResNet' and backbone.depth == 50 and backbone.init_cfg == IMAGENET
    assert backbone.norm_eval is True and backbone.dilations == (1, 1, 1, 1)
    assert backbone.strides == (1, 2, 2, 1)
    assert cfg.model.neck.policy == 'diff'
    assert head.type == 'PlainASPPPlusHead' and head.dilations == (1, 6, 12, 18)
    assert head.norm_cfg.type == 'GN' and head.norm_cfg.num_groups == 4
    assert (head.aspp_dropout, head.decoder_dropout, head.dropout_ratio) == (0.5, 0.5, 0.1)
    assert head.num_classes == 2 and not head.loss_decode.use_sigmoid
    assert head.loss_decode.avg_non_ignore and head.align_corners is True
    assert (head.c1_in_channels, head.c1_channels) == (256, 48)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay, opt.nesterov) == (
        'SGD', 0.007, 4e-5, 4e-5, True)
    assert cfg.optim_wrapper.constructor == 'BackboneHeadParamGroupsConstructor'
    assert cfg.optim_wrapper.paramwise_cfg == dict(backbone_lr=1.0, backbone_bias=2.0,
                                                   new_lr=10.0, new_bias=20.0, bias_decay=0.0)
    assert cfg.param_scheduler[0].type == 'PolyLRToEnd'
    assert cfg.train_dataloader.batch_size == 16 and cfg.train_cfg.max_epochs == 50
    assert cfg.train_cfg.val_interval == 1
    assert types(cfg.train_dataloader.dataset.pipeline) == [
        'LoadMultiImageFromFile', 'LoadChangeAnnotation', 'PackChangeInputs']
    assert cfg.train_dataloader.dataset.data_prefix.seg_map_path.endswith('pseudo_labels/label')
    tta = cfg.tta_model
    assert (tta.type, tta.scales, tta.flip, tta.antialias) == (
        'LogitSumChangeTTA', (0.5, 1.0, 1.5, 2.0), True, True)
    momentum09 = load('kdmsi-stage2-momentum0.9_siamdlv3p_r50_256x256_50e_whucd.py')
    assert momentum09.optim_wrapper.optimizer.momentum == 0.9
