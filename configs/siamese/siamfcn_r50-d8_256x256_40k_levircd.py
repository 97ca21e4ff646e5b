_base_ = [
    '../_base_/models/siam_fcn_r50-d8.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
