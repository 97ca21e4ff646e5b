# Siamese DeepLabV3+ (KD-MSI's stage-2 network) trained with full pixel labels: the "Supervised" row
# of the KD-MSI tables. Single-logit sigmoid head, threshold 0.5.
_base_ = [
    '../_base_/models/siam_deeplabv3plus_r50.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
# ImageNet initialisation (docs/pretrained.md): the OpenMMLab ResNetV1c checkpoint, read from
# torch's hub cache; tools/train.py stops early when it is missing, --no-pretrained trains from
# scratch.
model = dict(backbone=dict(
    init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')))
