# STKDNet as the official code trains it (run.sh -> main_train.py -> models/trainer.py): SEIFNet,
# the ColorJitter + blur student view of B on the normalised tensor, BCE-Dice teacher + 0.9 student
# + 0.1 hard-target distillation, AdamW 1e-4 for 200 epochs with per-epoch linear decay, batch 1.
_base_ = [
    '../_base_/models/stkd_seifnet_r18.py', '../_base_/datasets/whu_cd.py',
    '../_base_/datasets/seifnet_pipeline.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_seifnet_200e.py'
]
train_dataloader = {{_base_.seifnet_train_dataloader}}
