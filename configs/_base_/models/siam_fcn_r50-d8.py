# Siamese dilated ResNet-50 (output stride 8), feature concatenation, FCN head.
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
    type='SiameseEncoderDecoder',
    data_preprocessor=data_preprocessor,
    temporal_bands=temporal_bands,
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        in_channels=3,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=None),
    neck=dict(type='FeatureFusionNeck', policy='concat'),
    decode_head=dict(
        type='FCNHead',
        in_channels=4096,  # 2 x 2048 after concatenation
        in_index=3,
        channels=512,
        num_convs=2,
        concat_input=True,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
