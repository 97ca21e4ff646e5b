# SEIFNet/STKDNet's schedule (main_train.py:45-76, trainer.py:81-86, networks.py:310-314): AdamW
# lr 1e-4, betas (0.9, 0.999), weight decay 0.01; lr x (1 - epoch / 201) stepped per epoch for 200
# epochs; validation every epoch, the best val mF1 checkpoint kept.
max_epochs = 200
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
# mmengine's LinearLR reaches end_factor at its last step (epoch max_epochs - 1), so
# end_factor = 1 - (max_epochs - 1) / (max_epochs + 1) gives factor 1 - e / 201 at every epoch e.
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0, end_factor=2.0 / (max_epochs + 1), begin=0,
         end=max_epochs, by_epoch=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, save_best='mF1',
                    rule='greater', max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='ChangeVisualizationHook'))
custom_hooks = [dict(type='CheckInvalidLossHook')]
