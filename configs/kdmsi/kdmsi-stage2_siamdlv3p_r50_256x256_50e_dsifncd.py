# KD-MSI stage 2 on dsifncd: Siamese DeepLabV3+ on the MSI pseudo labels.
_base_ = ['./kdmsi-stage2_siamdlv3p_r50_256x256_50e_whucd.py']
train_dataloader = dict(dataset=dict(
    type='DSIFNCDDataset', data_root='data/dsifn_cd',
    data_prefix=dict(
        seg_map_path='{{fileDirname}}/../../work_dirs/kdmsi_dsifncd/pseudo_labels/label')))
val_dataloader = dict(dataset=dict(type='DSIFNCDDataset', data_root='data/dsifn_cd'))
test_dataloader = val_dataloader
