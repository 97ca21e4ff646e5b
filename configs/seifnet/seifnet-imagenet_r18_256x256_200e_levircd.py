# SEIFNet with the ImageNet ResNet-18 the paper describes actually kept: the official code loads it
# and then overwrites it with N(0, 0.02) (see configs/_base_/models/seifnet_r18.py).
_base_ = ['./seifnet_r18_256x256_200e_levircd.py']
model = dict(backbone=dict(init_cfg={{_base_.seifnet_imagenet_init}}))
