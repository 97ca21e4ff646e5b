# Quick-start baseline (the README's `make demo`): Siamese ResNet-18 + FPN head trained from scratch
# on 128 x 128 crops of the generated synthetic scenes for 500 iterations, evaluated on full 256 x 256
# held-out scenes. About 8 minutes on 2 CPU cores.
_base_ = [
    '../_base_/models/siam_fpn_r18.py', '../_base_/datasets/synthetic_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500it.py'
]
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=16, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=5),
    dict(type='RandomTemporalExchange', prob=0.5),
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
