# TinyCD (Codegoni, Lombardi & Ferrari, Neural Computing and Applications 2023): the first layers of
# a mobile backbone shared by both dates, channel-interleaving mixing blocks that turn each level
# into a one-channel attention mask, masked up-sampling and a pixel-wise classifier with one
# sigmoid output. The official backbone is torchvision's ImageNet EfficientNet-b4 features[0:4]
# (24/32/56 channels at strides 2/4/8); here mmseg's MobileNetV2 layers 1-3 (16/24/32 channels at
# the same strides), random init (ImageNet: a local MobileNetV2 file as the backbone's
# init_cfg=dict(type='Pretrained', checkpoint=...)). Mask MLP widths follow the official pattern
# (c, c/2, c/4).
norm_cfg = dict(type='BN', requires_grad=True)
temporal_bands = (3, 3)
data_preprocessor = dict(
    type='ChangeDataPreProcessor',
    temporal_bands=temporal_bands,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8)
model = dict(
    type='TinyCD',
    data_preprocessor=data_preprocessor,
    temporal_bands=temporal_bands,
    backbone=dict(type='TruncatedMobileNetV2', num_layers=3, out_indices=(0, 1, 2),
                  norm_cfg=norm_cfg, act_cfg=dict(type='ReLU6'), init_cfg=None),
    # level 0 are the images (3 bands); official first mask MLP 3 -> 10 -> 5 -> 1
    neck=dict(type='TinyCDMixingNeck', in_channels=[3, 16, 24, 32],
              mask_hidden=[(10, 5), (8, 4), (12, 6)]),
    decode_head=dict(
        type='TinyCDHead',
        in_channels=[1, 1, 1, 32],  # the three masks, the mixed deepest level
        up_channels=(64, 64, 32),
        classifier_hidden=(16, ),
        channels=8,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        align_corners=True,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
