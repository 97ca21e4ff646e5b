# GOLD (the official architecture and losses, _base_/models/gold_r18.py) on the generated
# optical/SAR scenes (A optical t1, B 1-band SAR t2, C optical t2, Label): random init, 128 x 128
# crops, 500 iterations, batch 8 -- a CPU-sized run, iteration-based. One GOLD "epoch" is 25
# iterations here, so the 20-epoch warm-up (task weights, teacher change loss, distillation) is
# shortened to 5 epochs (125 iterations).
_base_ = [
    '../_base_/models/gold_r18.py', '../_base_/datasets/synthetic_hetero_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500it.py'
]
crop_size = (128, 128)
warmup = dict(warmup_epochs=5)
model = dict(task_weighting=warmup, distill_warmup_epochs=5, iters_per_epoch=25,
             group_weighting=dict(cd=warmup, distill=warmup, attention=warmup))
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
# Official code: the task and group log-variances learn at a tenth of the learning rate.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'log_vars': dict(lr_mult=0.1)}))
