# KD-MSI stage 2 as the official code runs it (train_change_detection.py:51-56,132-169): batch 16,
# 50 epochs, lr 0.007 with poly decay (power 0.9) per iteration, wd 4e-5, Nesterov, four parameter
# groups (backbone w x1, backbone b x2 no decay, ASPP/decoder w x10, b x20 no decay). As in stage 1
# the PolyOptimizer puts wd into SGD's momentum slot: effective momentum 4e-5 (the
# kdmsi-stage2-momentum0.9_* variant has the intended 0.9).
optimizer = dict(type='SGD', lr=0.007, momentum=4e-5, nesterov=True, weight_decay=4e-5)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None,
                     constructor='BackboneHeadParamGroupsConstructor',
                     paramwise_cfg=dict(backbone_lr=1.0, backbone_bias=2.0, new_lr=10.0,
                                        new_bias=20.0, bias_decay=0.0))
max_epochs = 50
# PolyLRToEnd: lr x (1 - t / T) ** 0.9, the official values (mmengine's PolyLR uses T - 1)
param_scheduler = [
    dict(type='PolyLRToEnd', eta_min=0.0, power=0.9, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
# validation after every epoch, the best val change IoU kept (train_change_detection.py:280-287)
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
