# Quick compression run on the generated synthetic scenes: the baseline Siamese ResNet-18 FPN
# (configs/siamese/siamfpn_r18_128x128_500it_synthetic.py, trained first) distils the half-width
# ResNet-18 FPN student with CWD on the logits.
#   python tools/train.py configs/siamese/siamfpn_r18_128x128_500it_synthetic.py
#   python tools/train.py configs/compression/cwd_siamfpn-r18_siamfpn-r18-half_128x128_500it_synthetic.py
_base_ = ['../siamese/siamfpn_r18_128x128_500it_synthetic.py', '../_base_/distillers/cwd_logits.py']
teacher_config = '{{ fileDirname }}/../siamese/siamfpn_r18_128x128_500it_synthetic.py'
student = dict(
    _base_.model,
    backbone=dict(_base_.model.backbone, stem_channels=32, base_channels=32),
    decode_head=dict(_base_.model.decode_head, in_channels=[32, 64, 128, 256], channels=64))
model = dict(
    _delete_=True,
    type='TeacherStudentDistiller',
    architecture=student,
    teacher=dict(cfg_path=teacher_config,
                 checkpoint='work_dirs/siamfpn_r18_128x128_500it_synthetic/iter_500.pth'),
    distiller={{_base_.distiller}})
