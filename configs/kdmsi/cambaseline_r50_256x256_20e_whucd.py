# The paper's "CAM" baseline: the teacher's CAM refined by multiscale inference (MI, as the
# official multi_scale_inference.py: ReLU per view, summed, / max; scales 0.5/1/1.5/2) gives the
# pseudo labels (python tools/pseudo_label.py THIS STAGE1_WORK_DIR --out-dir DIR --sweep).
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
model = dict(test_cfg=dict(output='teacher'))
tta_model = dict(mode='mi', scales=(0.5, 1.0, 1.5, 2.0))
