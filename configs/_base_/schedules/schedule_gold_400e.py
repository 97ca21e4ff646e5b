# GOLD's official recipe (options/train_options.py, models/GOLD.py, models/networks.py): AdamW
# lr 5e-4, betas (0.9, 0.999), weight decay 0.01, cosine annealing over 400 epochs to 0, gradient
# clipping at norm 0.5, the (task and group) log-variances at a tenth of the learning rate, validation every
# epoch and the best change IoU kept.
max_epochs = 400
optimizer = dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=optimizer, clip_grad=dict(max_norm=0.5, norm_type=2),
    paramwise_cfg=dict(custom_keys={'log_vars': dict(lr_mult=0.1)}))  # task and group weights
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0.0, by_epoch=True, begin=0,
         end=max_epochs),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, save_best='IoU',
                    rule='greater', max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='ChangeVisualizationHook'))
custom_hooks = [dict(type='CheckInvalidLossHook')]
