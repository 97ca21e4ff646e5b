# KD-MSI stage 1 with SGD momentum 0.9: the evident intent of the official PolyOptimizer, whose
# slip runs SGD with momentum = weight decay = 1e-4 (the default config reproduces that slip, which
# produced the paper's tables). Everything else as kdmsi_r50_256x256_20e_whucd.py.
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
optim_wrapper = dict(optimizer=dict(momentum=0.9))
