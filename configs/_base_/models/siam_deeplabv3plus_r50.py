# Siamese DeepLabV3+ as in KD-MSI stage 2: shared ResNet-50 encoder, ASPP on F1 - F2 (high level),
# concatenated with F1_low - F2_low in the DeepLabV3+ decoder. Single-logit sigmoid output.
norm_cfg = dict(type='BN', requires_grad=True)
temporal_bands = (3, 3)
data_preprocessor = dict(
    type='ChangeDataPreProcessor',
    temporal_bands=temporal_bands,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16)
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
        dilations=(1, 1, 1, 2),
        strides=(1, 2, 2, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=None),
    neck=dict(type='FeatureFusionNeck', policy='diff'),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=2048,
        in_index=3,
        channels=256,
        dilations=(1, 6, 12, 18),
        c1_in_channels=256,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0, avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
