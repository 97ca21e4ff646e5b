# The paper's "CAM" baseline: the teacher's CAM refined by multiscale inference (MI) gives the
# pseudo labels (python tools/pseudo_label.py THIS STAGE1_WORK_DIR --out-dir DIR --sweep).
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
model = dict(test_cfg=dict(output='teacher'))
tta_model = dict(mode='mi')
