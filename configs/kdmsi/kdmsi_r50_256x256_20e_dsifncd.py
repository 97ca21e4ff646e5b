# KD-MSI stage 1 on dsifncd (256 x 256 patches): teacher 'diff', student concat (official README).
_base_ = ['./kdmsi_r50_256x256_20e_whucd.py']
model = dict(teacher=dict(fusion='diff'), student=dict(fusion='concat'))
data = dict(type='DSIFNCDDataset', data_root='data/dsifn_cd')
train_dataloader = dict(dataset=data)
val_dataloader = dict(dataset=data)
test_dataloader = val_dataloader
