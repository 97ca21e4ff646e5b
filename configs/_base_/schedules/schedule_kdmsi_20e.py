# KD-MSI stage 1 as the official code runs it: lr 0.001 with the four parameter groups
# (backbone w x1, backbone b x2 no decay, new w x10, new b x20 no decay), poly decay (power 0.9)
# per iteration, 20 epochs; the checkpoint with the best training-image change IoU is kept.
# The official PolyOptimizer calls SGD(params, lr, weight_decay, nesterov=...)
# (tools/ai/optim_utils.py:5-6): weight_decay lands in SGD's positional momentum slot, so the
# effective momentum is 1e-4 (= wd), Nesterov; the groups' own weight_decay (1e-4 / 0) still
# applies.
# The evident intent, momentum 0.9, is the kdmsi-momentum0.9_* variant.
optimizer = dict(type='SGD', lr=0.001, momentum=1e-4, nesterov=True, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer,
                     constructor='BackboneHeadParamGroupsConstructor',
                     paramwise_cfg=dict(backbone_lr=1.0, backbone_bias=2.0, new_lr=10.0,
                                        new_bias=20.0, bias_decay=0.0))
max_epochs = 20
# PolyLRToEnd: lr x (1 - t / T) ** 0.9, the official values (mmengine's PolyLR uses T - 1)
param_scheduler = [
    dict(type='PolyLRToEnd', eta_min=0.0, power=0.9, begin=0, end=max_epochs, by_epoch=True,
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
