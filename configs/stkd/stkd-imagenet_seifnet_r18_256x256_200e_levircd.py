# STKDNet with the ImageNet ResNet-18 kept (the paper's description; the official code overwrites
# it with N(0, 0.02), see configs/_base_/models/seifnet_r18.py).
_base_ = ['./stkd_seifnet_r18_256x256_200e_levircd.py']
model = dict(detector=dict(backbone=dict(init_cfg={{_base_.seifnet_imagenet_init}})))
