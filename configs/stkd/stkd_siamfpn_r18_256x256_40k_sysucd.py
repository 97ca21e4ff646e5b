_base_ = [
    '../_base_/models/stkd_siam_fpn_r18.py', '../_base_/datasets/sysu_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
# The baseline's augmentation of both dates, then the student view of B (after every geometric
# transform, see docs/design.md).
train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion'),
    dict(type='RandomTemporalExchange', prob=0.5),
    {{_base_.student_perturbation}},
    dict(type='PackChangeInputs'),
]
# Validation also packs a student view, scored separately as student/* by StudentViewMetricHook;
# the test pipeline stays clean.
val_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    {{_base_.student_perturbation}},
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
custom_hooks = [dict(type='CheckInvalidLossHook'), dict(type='StudentViewMetricHook')]
