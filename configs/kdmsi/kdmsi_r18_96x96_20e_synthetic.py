# KD-MSI stage 1 on the generated synthetic data (the default, runs with nothing downloaded):
# Siamese ResNet-18 teacher (abs) and student (concat), 96 x 96 random crops so that about a third
# of the crops have no change (image label 0). Model selection on 200 training images.
_base_ = [
    '../_base_/models/kdmsi_r50.py', '../_base_/datasets/synthetic_cd.py',
    '../_base_/datasets/kdmsi_weak_pipelines.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_kdmsi_20e.py'
]
backbone = dict(type='ResNetV1c', depth=18, in_channels=3, num_stages=4, out_indices=(3, ),
                dilations=(1, 1, 1, 1), strides=(1, 2, 2, 1), norm_cfg=dict(type='BN'),
                norm_eval=False, style='pytorch', contract_dilation=True, init_cfg=None)
model = dict(teacher=dict(backbone=backbone, in_channels=512, fusion='abs_diff'),
             student=dict(backbone=backbone, in_channels=512, fusion='concat'))
weak_train_pipeline = [  # random 96 x 96 crops (+ flips): small, partly no-change samples
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=(96, 96)),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1),
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=weak_train_pipeline))
val_dataloader = dict(batch_size=8,
                      dataset=dict(split='train', indices=200,
                                   pipeline={{_base_.weak_eval_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='ThresholdSweepMetric', key='IoU', image_label_gating=True)
test_evaluator = [dict(type='ChangeMetric'),
                  dict(type='ThresholdSweepMetric', prefix='sweep', image_label_gating=True)]
log_processor = dict(by_epoch=True)
