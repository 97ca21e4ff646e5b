_base_ = [
    '../_base_/models/siam_fpn_r18.py', '../_base_/datasets/sysu_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
