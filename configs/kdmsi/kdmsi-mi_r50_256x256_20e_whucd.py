# Ablation row "Student + MI": multiscale inference (sum of pre-sigmoid maps, then CAM
# normalisation) of the student.   python tools/test.py THIS STAGE1_WORK_DIR --tta
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
tta_model = dict(mode='mi')
