# Compression student trained alone (the "student alone" row of docs/methods/compression.md).
_base_ = [
    '../_base_/models/siam_fpn_r18-half.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
