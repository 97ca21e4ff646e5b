# Siamese ResNet-18 encoder, |t1 - t2| fusion at every level, semantic-FPN head (output stride 4).
norm_cfg = dict(type='BN', requires_grad=True)
temporal_bands = (3, 3)
data_preprocessor = dict(
    type='ChangeDataPreProcessor',
    temporal_bands=temporal_bands,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
model = dict(
    type='SiameseEncoderDecoder',
    data_preprocessor=data_preprocessor,
    temporal_bands=temporal_bands,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        in_channels=3,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        # Random init here (synthetic data); the real-dataset configs set
        # init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet18_v1c') (docs/pretrained.md)
        init_cfg=None),
    neck=dict(type='FeatureFusionNeck', policy='abs_diff'),
    decode_head=dict(
        type='FPNHead',
        in_channels=[64, 128, 256, 512],
        in_index=[0, 1, 2, 3],
        feature_strides=[4, 8, 16, 32],
        channels=128,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
