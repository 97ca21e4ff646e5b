# KD-MSI stage 2 with SGD momentum 0.9: the evident intent of the official PolyOptimizer, whose
# slip runs SGD with momentum = weight decay = 4e-5 (the default stage-2 config reproduces it).
_base_ = ['./kdmsi-stage2_siamdlv3p_r50_256x256_50e_whucd.py']
optim_wrapper = dict(optimizer=dict(momentum=0.9))
