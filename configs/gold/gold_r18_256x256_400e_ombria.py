# GOLD (official architecture, losses and recipe) on OMBRIA (_base_/datasets/ombria_gold.py):
# optical t1 / 1-band SAR t2 / optical t2, 256 x 256, ResNet-18 from ImageNet, 400 epochs. 166
# training triplets at batch 8 are 21 iterations per epoch.
_base_ = [
    '../_base_/models/gold_r18.py', '../_base_/datasets/ombria_gold.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_gold_400e.py'
]
pretrained = dict(type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')
model = dict(backbone=dict(init_cfg=pretrained), backbone_t2=dict(init_cfg=pretrained))
# GOLD counts epochs (schedule_gold_400e.py): a finite, reshuffled sampler.
train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))
