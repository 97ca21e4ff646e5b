# GOLD as the official code builds it (HeteroCD-GOLD @ acacc08, models/TripleEUNet.py
# TripleEUNet; file:line in docs/methods/gold.md): one optical ResNet-18 (deep stem) for the
# optical t1 image and, in the teacher, the optical t2 image; a SAR ResNet-18; per date a
# multi-level 1x1 fusion to 128 channels at stride 4 (one for optical, one for SAR); the shared
# cross-modal BidirectionalChannelAttention; the two dates concatenated (256 channels); per branch
# a difference-map fusion and a conv3x3-BN-ReLU-conv1x1 head, the teacher head a copy of the
# student head. Losses: CE (class weights 0.1/0.9) + 1.5 Dice per branch (student 1, teacher 0.4),
# online distillation (GOLDDistillLoss), uncertainty task weights with the official bounds.
# Training inputs: A (3) + B (1) + C (3) channels; prediction: A + B only (the student).
# Random init here (synthetic data); real-data configs set init_cfg (ImageNet, see
# gold_r18_512x512_400e_hetero.py).
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
resnet = dict(type='ResNetV1c', depth=18, in_channels=3, num_stages=4, out_indices=(0, 1, 2, 3),
              dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2), norm_cfg=norm_cfg, norm_eval=False,
              style='pytorch', contract_dilation=True)  # random init: no init_cfg
channels = 128
neck = dict(type='MultiLevelConcatNeck', in_channels=[64, 128, 256, 512], channels=channels,
            norm_cfg=norm_cfg)
change_loss = [
    dict(type='WeightedMeanCrossEntropyLoss', class_weight=[0.1, 0.9], loss_weight=1.0),
    dict(type='GOLDDiceLoss', loss_weight=1.5),
]
head = dict(type='FCNHead', in_channels=2 * channels, in_index=0, channels=channels, num_convs=1,
            kernel_size=3, concat_input=False, dropout_ratio=0.1, num_classes=2,
            norm_cfg=norm_cfg, align_corners=True, loss_decode=change_loss)
model = dict(
    type='GOLDChangeDetector',
    data_preprocessor=data_preprocessor,
    temporal_bands=(3, 1),
    teacher_bands=3,
    backbone=resnet,
    backbone_t2=dict(resnet, in_channels=1),
    teacher_backbone_t2=None,  # the optical t2 image goes through `backbone` (official HEAD)
    neck=neck,
    neck_t2=neck,
    cross_attention=dict(type='BidirectionalChannelAttention', in_channels=channels, reduction=16),
    attention=dict(type='DifferenceMapFusion', in_channels=2 * channels, channels=channels,
                   norm_cfg=norm_cfg),
    decode_head=head,
    teacher_decode_head=dict(head, dropout_ratio=0.05),
    teacher_head_init='copy',
    distill_loss=dict(type='GOLDDistillLoss', temperature=2.0, kl_reduction='element',
                      weights=(0.7, 0.3, 1.0), att_weights=(0.5, 0.3, 0.2),
                      feature_mask_weights=(4.0, 0.5), feature_mse_cos=(0.7, 0.3),
                      cosine_on='gap', difference_map='official',
                      attention_maps='parameter_free', detach_teacher=False),
    # Initial task weights (1.0, 0.3, 0.2), 20 warm-up epochs, the change task kept at >= 60 % of
    # the total weight, distillation <= 30 %, attention <= 20 %; no main-task boost in the code.
    task_weighting=dict(type='UncertaintyTaskWeighting', mode='gold',
                        tasks=('cd', 'distill', 'attention'), fixed_weights=(1.0, 0.3, 0.2),
                        main_task='cd', warmup_epochs=20, max_boost=1.0,
                        bounds=dict(cd=(0.6, None), distill=(None, 0.3),
                                    attention=(None, 0.2))),
    # Inside the tasks: learned weights of their own (no bounds), initialised at the official
    # 1.0 / 0.4 (student / teacher change loss), 0.7 / 0.3 (feature / output distillation) and
    # 0.5 / 0.3 / 0.2 (difference map / channel / spatial attention).
    group_weighting=dict(
        cd=dict(type='UncertaintyTaskWeighting', mode='gold', tasks=('student', 'teacher'),
                fixed_weights=(1.0, 0.4), main_task='student', warmup_epochs=20, max_boost=1.0),
        distill=dict(type='UncertaintyTaskWeighting', mode='gold', tasks=('feat', 'out'),
                     fixed_weights=(0.7, 0.3), main_task='feat', warmup_epochs=20,
                     max_boost=1.0),
        attention=dict(type='UncertaintyTaskWeighting', mode='gold',
                       tasks=('diff', 'channel', 'spatial'), fixed_weights=(0.5, 0.3, 0.2),
                       main_task='diff', warmup_epochs=20, max_boost=1.0)),
    with_attention_transfer=True,
    teacher_cd_weight=0.4,  # used where group_weighting has no `cd` group
    teacher_detach_t1=True,
    distill_warmup_epochs=20,
    iters_per_epoch=None,  # epoch-based loops; iteration-based configs set it
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
