_base_ = [
    '../_base_/models/siam_fpn_r18.py', '../_base_/datasets/dsifn_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
# ImageNet initialisation (docs/pretrained.md): the OpenMMLab ResNetV1c checkpoint, read from
# torch's hub cache; tools/train.py stops early when it is missing, --no-pretrained trains from
# scratch.
model = dict(backbone=dict(
    init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')))
