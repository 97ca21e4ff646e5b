# KD-MSI stage 1: SGD (momentum 0.9, Nesterov, wd 1e-4), lr 0.001 with the four parameter groups
# (backbone w x1, backbone b x2 no decay, new w x10, new b x20 no decay), poly decay over all
# iterations, 20 epochs; the checkpoint with the best training-image change IoU is kept.
optimizer = dict(type='SGD', lr=0.001, momentum=0.9, nesterov=True, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer,
                     constructor='BackboneHeadParamGroupsConstructor',
                     paramwise_cfg=dict(backbone_lr=1.0, backbone_bias=2.0, new_lr=10.0,
                                        new_bias=20.0, bias_decay=0.0))
max_epochs = 20
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
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
