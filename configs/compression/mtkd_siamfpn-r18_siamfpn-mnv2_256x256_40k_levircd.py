# Multi-teacher compression (open-cd's MTKD, Liu et al. 2025): three Siamese ResNet-18 FPN teachers,
# each trained on the training pairs of one change-area range (< 5 %, 5-20 %, >= 20 % changed
# pixels), distil one MobileNetV2 FPN student; every training sample is distilled from the teacher
# of its own change-area range (ChangeAreaTeacherAssigner). MTKD-CD's loss on the logits is
# replaced by cdkd's CWD (the mmrazor setting) here; set the three checkpoints. The teachers'
# training lists: tools/dataset_converters/change_area_split.py (the same rule, as ann_file).
_base_ = ['./siamfpn_mnv2_256x256_40k_levircd.py', '../_base_/distillers/cwd_logits.py']
teacher_config = '{{ fileDirname }}/../siamese/siamfpn_r18_256x256_40k_levircd.py'
model = dict(
    _delete_=True,
    type='TeacherStudentDistiller',
    architecture=dict(cfg_path='{{ fileDirname }}/siamfpn_mnv2_256x256_40k_levircd.py'),
    teacher=[
        dict(cfg_path=teacher_config, checkpoint='work_dirs/mtkd_teacher_small/best_F1.pth'),
        dict(cfg_path=teacher_config, checkpoint='work_dirs/mtkd_teacher_medium/best_F1.pth'),
        dict(cfg_path=teacher_config, checkpoint='work_dirs/mtkd_teacher_large/best_F1.pth'),
    ],
    teacher_weighting=dict(type='ChangeAreaTeacherAssigner', thresholds=(0.05, 0.2)),
    distiller={{_base_.distiller}})
