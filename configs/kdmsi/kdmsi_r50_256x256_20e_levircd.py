# KD-MSI stage 1 on levircd (256 x 256 patches): teacher 'abs_diff', student concat
# (official README).
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
model = dict(teacher=dict(fusion='abs_diff'), student=dict(fusion='concat'))
data = dict(type='LEVIRCDDataset', data_root='data/levir_cd')
train_dataloader = dict(dataset=data)
val_dataloader = dict(dataset=data)
test_dataloader = val_dataloader
