# GOLD on the generated optical/SAR scenes (A optical t1, B 1-band SAR t2, C optical t2, Label):
# ResNet-18 encoders, 128 x 128 crops, 500 iterations, batch 8 -- a CPU-sized run. One GOLD
# "epoch" is 25 iterations here, so the warm-up of the task weights spans the first 125 iterations
# and the distillation alpha schedule starts after iteration 250.
_base_ = [
    '../_base_/models/gold_fpn_r50.py', '../_base_/datasets/synthetic_hetero_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500it.py'
]
crop_size = (128, 128)
resnet = dict(type='ResNetV1c', depth=18, in_channels=3, num_stages=4, out_indices=(0, 1, 2, 3),
              dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2),
              norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, style='pytorch',
              contract_dilation=True, init_cfg=None)
model = dict(
    backbone=resnet,
    backbone_t2=dict(resnet, in_channels=1),
    teacher_backbone_t2=resnet,
    attention=dict(in_channels=512, fusion_kernel_size=3),  # official 3x3 fusion
    decode_head=dict(in_channels=[64, 128, 256, 512]),
    task_weighting=dict(warmup_epochs=5),
    iters_per_epoch=25)
train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=16, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=5, shared=False),
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Official code: the task log-variances learn at a tenth of the network's learning rate.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'task_weighting.log_vars': dict(lr_mult=0.1)}))
