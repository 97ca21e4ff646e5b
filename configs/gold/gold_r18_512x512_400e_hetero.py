# GOLD as the official code trains it: ResNet-18 (deep stem) encoders from ImageNet, 512 x 512
# tiles written by tools/preprocess_hetero.py into data/hetero_cd/{train,val,test}/{A,B,C,label},
# the official online augmentation, AdamW 5e-4 with cosine annealing over 400 epochs, gradient
# clipping 0.5, batch 8, best val change IoU kept. The SAR encoder's stem sees one band, so its
# first convolution cannot take the ImageNet weights (see *_sar3band_* for the official
# three-band SAR reading).
_base_ = [
    '../_base_/models/gold_r18.py', '../_base_/datasets/hetero_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_gold_400e.py'
]
pretrained = dict(type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')
model = dict(backbone=dict(init_cfg=pretrained), backbone_t2=dict(init_cfg=pretrained))
# GOLD counts epochs (schedule_gold_400e.py): a finite, reshuffled sampler.
train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))
