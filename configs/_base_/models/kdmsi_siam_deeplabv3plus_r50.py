# KD-MSI stage 2 as the official code (core/networks.py:110-144, core/deeplab_utils.py,
# train_change_detection.py:43-46,126,167): Siamese DeepLabV3+ on a shared torchvision-layout
# ResNet-50 with frozen BatchNorm statistics (--mode fix; affine parameters still train), no
# dilation (output stride 16), plain ASPP (1/6/12/18, Dropout 0.5) on F1 - F2, decoder with
# F1_low - F2_low (48 channels, two 3x3 convs, Dropout 0.5 / 0.1), GroupNorm(4) in ASPP and
# decoder (--use_gn True), all resizes with align_corners=True, 2-class softmax CE (ignore 255).
# Random init here; the real-dataset configs load ImageNet weights.
temporal_bands = (3, 3)
data_preprocessor = dict(
    type='ChangeDataPreProcessor',
    temporal_bands=temporal_bands,
    mean=[127.5] * 6,  # mean 0.5, std 0.5 on [0, 1] images, as stage 1
    std=[127.5] * 6,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16)
gn = dict(type='GN', num_groups=4, requires_grad=True)
model = dict(
    type='SiameseEncoderDecoder',
    data_preprocessor=data_preprocessor,
    temporal_bands=temporal_bands,
    backbone=dict(
        type='ResNet',
        depth=50,
        in_channels=3,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,  # FixedBatchNorm: running statistics frozen
        style='pytorch'),
    neck=dict(type='FeatureFusionNeck', policy='diff'),  # F(A) - F(B), as aspp(x - y)
    decode_head=dict(
        type='PlainASPPPlusHead',
        in_channels=2048,
        in_index=3,
        channels=256,
        dilations=(1, 6, 12, 18),
        c1_in_channels=256,
        c1_channels=48,
        aspp_dropout=0.5,
        decoder_dropout=0.5,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=gn,
        align_corners=True,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
