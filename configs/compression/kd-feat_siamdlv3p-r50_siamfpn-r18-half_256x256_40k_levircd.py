# Compression distillation, logit + feature KD: the trained Siamese DeepLabV3+ ResNet-50 teacher
# distils the half-width ResNet-18 FPN student with Hinton's temperature KL on the logits
# (T = 4, x T^2) and FitNets-style MSE on the fused features through learnable 1x1 conv + BN
# connectors (student width -> teacher width); the teacher's stride-16 deepest level is resized
# to the student's stride 32 by the distiller.
_base_ = ['./siamfpn_r18-half_256x256_40k_levircd.py']
teacher_checkpoint = 'work_dirs/siamdlv3p_r50_256x256_40k_levircd/best_F1.pth'
logits = dict(type='ModuleOutputs', source='decode_head.conv_seg')
fused = dict(type='ModuleOutputs', source='neck')
connector = dict(type='ConvModuleConnector', norm_cfg=dict(type='BN'), act_cfg=None)
model = dict(
    _delete_=True,
    type='TeacherStudentDistiller',
    architecture=dict(cfg_path='{{ fileDirname }}/siamfpn_r18-half_256x256_40k_levircd.py'),
    teacher=dict(cfg_path='{{ fileDirname }}/../siamese/siamdlv3p_r50_256x256_40k_levircd.py',
                 checkpoint=teacher_checkpoint),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=logits, fused=fused),
        teacher_recorders=dict(logits=logits, fused=fused),
        connectors=dict(
            logits_t=dict(type='ChangeLogitConnector', out_channels=2),
            fused0_s=dict(connector, in_channel=32, out_channel=256),
            fused3_s=dict(connector, in_channel=256, out_channel=2048)),
        distill_losses=dict(
            loss_kd=dict(type='PixelKLDivLoss', temperature=4.0, loss_weight=1.0),
            loss_fused0=dict(type='FeatureDistillLoss', loss_weight=1.0),
            loss_fused3=dict(type='FeatureDistillLoss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(student=dict(from_student=True, recorder='logits'),
                         teacher=dict(from_student=False, recorder='logits',
                                      connector='logits_t')),
            loss_fused0=dict(student=dict(from_student=True, recorder='fused', data_idx=0,
                                          connector='fused0_s'),
                             teacher=dict(from_student=False, recorder='fused', data_idx=0)),
            loss_fused3=dict(student=dict(from_student=True, recorder='fused', data_idx=3,
                                          connector='fused3_s'),
                             teacher=dict(from_student=False, recorder='fused', data_idx=3)))))
