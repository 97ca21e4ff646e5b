# As gold_r18_256x256_400e_ombria.py, with the SAR image read as the official dataset reads it
# (three equal bands, ImageNet statistics; _base_/datasets/ombria_gold_sar3band.py), so the SAR
# encoder takes the full ImageNet weights.
_base_ = [
    '../_base_/models/gold_r18.py', '../_base_/datasets/ombria_gold_sar3band.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_gold_400e.py'
]
imagenet_mean, imagenet_std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
pretrained = dict(type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')
model = dict(
    data_preprocessor=dict(temporal_bands=(3, 3, 3), mean=[imagenet_mean] * 3,
                           std=[imagenet_std] * 3),
    temporal_bands=(3, 3),
    backbone=dict(init_cfg=pretrained),
    backbone_t2=dict(in_channels=3, init_cfg=pretrained))
