# STKD on the quick-start synthetic data: the demo baseline (configs/siamese/
# siamfpn_r18_128x128_500it_synthetic.py) plus the student view and distillation losses.
_base_ = [
    '../_base_/models/stkd_siam_fpn_r18.py', '../_base_/datasets/synthetic_cd.py',
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
    {{_base_.student_perturbation}},
    dict(type='PackChangeInputs'),
]
val_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    {{_base_.student_perturbation}},
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
custom_hooks = [dict(type='CheckInvalidLossHook'), dict(type='StudentViewMetricHook')]
