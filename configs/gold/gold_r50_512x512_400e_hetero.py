# GOLD (the official method and recipe, gold_r18_512x512_400e_hetero.py) with ResNet-50 (deep
# stem) encoders from ImageNet: only the encoder and the necks' input widths change.
_base_ = ['./gold_r18_512x512_400e_hetero.py']
pretrained = dict(type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')
resnet = dict(depth=50, init_cfg=pretrained)
neck = dict(in_channels=[256, 512, 1024, 2048])
model = dict(backbone=resnet, backbone_t2=resnet, neck=neck, neck_t2=neck)
