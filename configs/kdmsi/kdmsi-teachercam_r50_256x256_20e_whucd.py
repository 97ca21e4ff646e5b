# Ablation row "Teacher": the teacher's CAM (single scale) of a KD-MSI checkpoint, on the
# training images.
#   python tools/test.py THIS STAGE1_WORK_DIR
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
model = dict(test_cfg=dict(output='teacher'))
