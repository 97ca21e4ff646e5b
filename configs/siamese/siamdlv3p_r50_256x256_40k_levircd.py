# Siamese DeepLabV3+ (KD-MSI's stage-2 network) trained with full pixel labels: the "Supervised" row
# of the KD-MSI tables. Single-logit sigmoid head, threshold 0.5.
_base_ = [
    '../_base_/models/siam_deeplabv3plus_r50.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
