# KD-MSI stage 2: Siamese DeepLabV3+ on the pseudo labels, batch 16, 50 epochs, lr 0.007 with poly
# decay (SGD momentum 0.9, wd 1e-4: the usual DeepLabV3+ settings; the paper gives only lr/poly).
optimizer = dict(type='SGD', lr=0.007, momentum=0.9, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
max_epochs = 50
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=5, save_best='IoU',
                    rule='greater', max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='ChangeVisualizationHook'))
custom_hooks = [dict(type='CheckInvalidLossHook')]
