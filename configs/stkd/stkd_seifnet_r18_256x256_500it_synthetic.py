# Short CPU variant on cdkd's synthetic scenes: the official model, augmentation and batch, with
# cdkd's 500-iteration CPU schedule (AdamW 1e-3, warm-up + linear decay) instead of 200 epochs.
_base_ = [
    '../_base_/models/stkd_seifnet_r18.py', '../_base_/datasets/synthetic_cd.py',
    '../_base_/datasets/seifnet_pipeline.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_500it.py'
]
train_dataloader = {{_base_.seifnet_train_dataloader}}
default_hooks = dict(checkpoint=dict(save_best='mF1'))
