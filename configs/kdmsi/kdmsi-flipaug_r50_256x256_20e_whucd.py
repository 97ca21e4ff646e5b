# cdkd variant of KD-MSI stage 1: random horizontal/vertical flips in training (the official stage
# 1 has no augmentation). Everything else as kdmsi_r50_256x256_20e_whucd.py.
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.weak_flip_train_pipeline}}))
