# GOLD (HeteroCD-GOLD): optical t1 encoder shared by a teacher branch (optical t1 + optical t2) and
# a student branch (optical t1 + SAR t2), each branch with its own t2 ResNet-50, |t1 - t2| fusion,
# CBAM-style attention on the deepest fused level and a semantic-FPN change head (2-class softmax).
# The attention is applied in the official form: its spatial map is concatenated to the features
# and fused ('concat'); the pseudocode's gating ('gate') slowed the student
# (docs/experiments/gold.md).
# Training inputs: A (3) + B (1) + C (3) channels; prediction: A + B only (the student).
norm_cfg = dict(type='BN', requires_grad=True)
optical_mean, optical_std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
sar_mean, sar_std = [128.0], [64.0]
data_preprocessor = dict(
    type='HeteroChangeDataPreProcessor',
    temporal_bands=(3, 1, 3),
    mean=[optical_mean, sar_mean, optical_mean],
    std=[optical_std, sar_std, optical_std],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
resnet = dict(type='ResNetV1c', depth=50, in_channels=3, num_stages=4, out_indices=(0, 1, 2, 3),
              dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2), norm_cfg=norm_cfg, norm_eval=False,
              style='pytorch', contract_dilation=True,
              init_cfg=None)  # random init; no pretrained weights are downloaded

model = dict(
    type='GOLDChangeDetector',
    data_preprocessor=data_preprocessor,
    temporal_bands=(3, 1),
    teacher_bands=3,
    backbone=resnet,
    backbone_t2=dict(resnet, in_channels=1),
    teacher_backbone_t2=resnet,
    neck=dict(type='FeatureFusionNeck', policy='abs_diff'),
    # 1x1 fusion at 2048 channels: 4.2M parameters per branch; the official 3x3 (used there at
    # 256 channels) would have 37.8M.
    attention=dict(in_channels=2048, reduction=16, kernel_size=7, mode='concat',
                   fusion_kernel_size=1),
    decode_head=dict(
        type='FPNHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3],
        feature_strides=[4, 8, 16, 32],
        channels=128,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    distill_level=-1,
    distill_loss=dict(type='GOLDDistillLoss', temperature=4.0, weights=(0.3, 0.4, 0.3),
                      alpha_start_epoch=10, quality_weighted=True, feature_loss_type='global',
                      group_size=16, saliency_normalize='minmax'),
    # Official code: initial task weights (1.0, 0.3, 0.2), 20 warm-up epochs, the change task
    # kept at >= 60 % of the total weight, distillation <= 30 %, attention <= 20 %.
    task_weighting=dict(type='UncertaintyTaskWeighting', mode='gold',
                        tasks=('cd', 'distill', 'attention'), fixed_weights=(1.0, 0.3, 0.2),
                        main_task='cd', warmup_epochs=20,
                        bounds=dict(cd=(0.6, None), distill=(None, 0.3),
                                    attention=(None, 0.2))),
    with_attention_transfer=True,
    teacher_cd_weight=0.4,
    # GOLD's schedules count epochs; set this to the train-set size / batch size.
    iters_per_epoch=500,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
