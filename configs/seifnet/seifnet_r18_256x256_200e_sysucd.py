# SEIFNet alone with the official recipe (the STKDNet paper's baseline): configs/_base_/models/
# seifnet_r18.py, seifnet_pipeline.py and schedule_seifnet_200e.py.
_base_ = [
    '../_base_/models/seifnet_r18.py', '../_base_/datasets/sysu_cd.py',
    '../_base_/datasets/seifnet_pipeline.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_seifnet_200e.py'
]
train_dataloader = {{_base_.seifnet_train_dataloader}}
