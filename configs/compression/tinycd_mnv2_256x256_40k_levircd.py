# TinyCD trained alone on LEVIR-CD. Official optimiser: AdamW, lr 0.00357, weight decay 0.00945
# (tuned for LEVIR-CD), BCE, batch 8, cosine decay over 100 epochs; here the same optimiser and loss
# with the cosine decay over the 40k iterations of cdkd's LEVIR-CD schedule.
_base_ = [
    '../_base_/models/tinycd_mnv2.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
optim_wrapper = dict(optimizer=dict(lr=0.00356799066427741, weight_decay=0.009449677083344786))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=40000, by_epoch=False, begin=0,
                        end=40000)]
