# Ablation row "Student + MI": multiscale inference as the official CAM MI
# (multi_scale_inference.py: ReLU per view, summed, divided by the max; scales 0.5/1/1.5/2).
#   python tools/test.py THIS STAGE1_WORK_DIR --tta
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
tta_model = dict(mode='mi', scales=(0.5, 1.0, 1.5, 2.0))
