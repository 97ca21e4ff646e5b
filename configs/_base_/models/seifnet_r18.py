# SEIFNet (the official STILKDNet code, models/networks.py:493-585): Siamese ResNet-18, one CoDEM
# per level (|t1 - t2| with coordinate attention + conv of [t1, t2]), ACFF top-down decoder with
# supervised attention, 2-channel logits at full resolution; BCE-Dice loss (losses.py:39-68).
# 27,905,422 parameters (the official module has 28,600,760 incl. 695,338 that never run:
# ResNet's fc, Backbone.classifier and ACFF2.conv).
norm_cfg = dict(type='BN', requires_grad=True)
temporal_bands = (3, 3)
# The official initialisation (networks.py:347-376 via define_G -> init_net, :397-431): every
# conv/linear weight N(0, 0.02) with zero bias, every BN weight N(1, 0.02) with zero bias. It runs
# after resnet18(pretrained=True) has loaded the ImageNet weights, so it overwrites them: the
# official SEIFNet/STKDNet trains its encoder from scratch (only the BN running statistics stay
# ImageNet's until training replaces them). The ImageNet-initialised variant the paper describes
# is `seifnet_imagenet_init` below (configs named *-imagenet_*).
seifnet_official_init = [
    dict(type='Normal', layer=['Conv2d', 'Linear'], mean=0.0, std=0.02, bias=0.0),
    dict(type='Normal', layer='BatchNorm2d', mean=1.0, std=0.02, bias=0.0),
]
seifnet_imagenet_init = dict(_delete_=True, type='Pretrained', checkpoint='torchvision://resnet18')
data_preprocessor = dict(
    type='ChangeDataPreProcessor',
    temporal_bands=temporal_bands,
    mean=[127.5, 127.5, 127.5],  # the official to_tensor + normalize(0.5, 0.5): values in [-1, 1]
    std=[127.5, 127.5, 127.5],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
model = dict(
    type='SiameseEncoderDecoder',
    data_preprocessor=data_preprocessor,
    temporal_bands=temporal_bands,
    stack_dates=False,  # the official forward calls the encoder once per date (per-date BN stats)
    backbone=dict(
        type='ResNet',  # torchvision's ResNet-18 layout (models/resnet.py), same parameter names
        depth=18,
        in_channels=3,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=seifnet_official_init),
    neck=dict(type='CoDEMNeck', in_channels=[64, 128, 256, 512], reduction=16, norm_cfg=norm_cfg,
              init_cfg=seifnet_official_init),
    decode_head=dict(
        type='SEIFNetHead',
        in_channels=[64, 128, 256, 512],
        channels=64,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='BCEDiceLoss', bce_weight=0.75, dice_weight=0.25, loss_weight=1.0),
        init_cfg=seifnet_official_init),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
