"""A ResNet-50 DeepLabV3+ teacher (single logit, output stride 16) distils a MobileNetV2 FPN
student (2-class, stride 32 at the deepest level) through connectors."""
import os.path as osp

import torch
from mmengine.optim import OptimWrapper

from cdkd.registry import MODELS

from .test_stkd_distiller import make_batch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
MODELS_DIR = osp.join(REPO, 'configs', '_base_', 'models')
NECK = dict(type='ModuleOutputs', source='neck')
LOGITS = dict(type='ModuleOutputs', source='decode_head.conv_seg')


def test_connectors_map_resnet50_teacher_to_mobilenetv2_student():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TeacherStudentDistiller',
        architecture=dict(cfg_path=osp.join(MODELS_DIR, 'siam_fpn_mnv2.py')),
        teacher=dict(cfg_path=osp.join(MODELS_DIR, 'siam_deeplabv3plus_r50.py'), checkpoint=None),
        distiller=dict(
            type='ConfigurableDistiller',
            student_recorders=dict(fused=NECK, logits=LOGITS),
            teacher_recorders=dict(fused=NECK, logits=LOGITS),
            connectors=dict(
                fused_s=dict(type='ConvModuleConnector', in_channel=320, out_channel=2048,
                             norm_cfg=dict(type='BN'), act_cfg=None),
                low_s=dict(type='ConvModuleConnector', in_channel=24, out_channel=256,
                           norm_cfg=dict(type='BN'), act_cfg=None),
                logits_t=dict(type='ChangeLogitConnector', out_channels=2)),
            distill_losses=dict(loss_cwd_fused=dict(type='ChannelWiseDivergence', tau=4.0),
                                loss_low=dict(type='FeatureDistillLoss'),
                                loss_kd=dict(type='PixelKLDivLoss', temperature=2.0)),
            loss_forward_mappings=dict(
                loss_cwd_fused=dict(
                    preds_S=dict(from_student=True, recorder='fused', data_idx=3,
                                 connector='fused_s'),
                    preds_T=dict(from_student=False, recorder='fused', data_idx=3)),
                loss_low=dict(
                    student=dict(from_student=True, recorder='fused', data_idx=0,
                                 connector='low_s'),
                    teacher=dict(from_student=False, recorder='fused', data_idx=0)),
                loss_kd=dict(student=dict(from_student=True, recorder='logits'),
                             teacher=dict(from_student=False, recorder='logits',
                                          connector='logits_t'))))))
    data = model.data_preprocessor(make_batch(n=2, size=64), True)
    model.train()
    model(**data, mode='loss')
    s_fused = model.distiller.student_recorders.get('fused')
    t_fused = model.teacher_records(data['inputs'], data['data_samples'])['fused']
    # deepest level: student 320 ch at stride 32, teacher 2048 ch at stride 16
    assert s_fused[3].shape == (2, 320, 2, 2) and t_fused[3].shape == (2, 2048, 4, 4)
    assert model.distiller.connectors['fused_s'](s_fused[3]).shape == (2, 2048, 2, 2)
    assert model.distiller.connectors['low_s'](s_fused[0]).shape == (2, 256, 16, 16)
    log = model.train_step(make_batch(n=2, size=64),
                           OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01)))
    for key in ('distill.loss_cwd_fused', 'distill.loss_low', 'distill.loss_kd',
                'student.decode.loss_ce'):
        assert torch.isfinite(torch.as_tensor(log[key])) and log[key] > 0, key
    # the connectors are trained with the student
    assert model.distiller.connectors['fused_s'].conv.weight.requires_grad
    assert all(not p.requires_grad for p in model.teachers.parameters())
