# Compression distillation: a trained Siamese DeepLabV3+ ResNet-50 (single logit, 29 M parameters)
# distils a Siamese MobileNetV2 + FPN student (2-class, 2.2 M) with CWD on the logits
# (mmrazor's CWD setting). Train the teacher first:
#   python tools/train.py configs/siamese/siamdlv3p_r50_256x256_40k_levircd.py
# then point teacher_checkpoint at its best checkpoint (or pass
# --cfg-options model.teacher.checkpoint=...).
_base_ = ['./siamfpn_mnv2_256x256_40k_levircd.py', '../_base_/distillers/cwd_logits.py']
teacher_checkpoint = 'work_dirs/siamdlv3p_r50_256x256_40k_levircd/best_F1.pth'
model = dict(
    _delete_=True,
    type='TeacherStudentDistiller',
    architecture=dict(cfg_path='{{ fileDirname }}/siamfpn_mnv2_256x256_40k_levircd.py'),
    teacher=dict(cfg_path='{{ fileDirname }}/../siamese/siamdlv3p_r50_256x256_40k_levircd.py',
                 checkpoint=teacher_checkpoint),
    distiller={{_base_.distiller}})
