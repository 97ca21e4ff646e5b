# Pseudo-Siamese optical/SAR change detector: GOLD's student branch alone (optical t1 ResNet-50 and
# SAR t2 ResNet-50, |t1 - t2| fusion, semantic-FPN head), no teacher, no distillation.
_base_ = ['./siam_fpn_r18.py']
temporal_bands = (3, 1)
resnet = dict(depth=50, in_channels=3)
model = dict(
    temporal_bands=temporal_bands,
    data_preprocessor=dict(temporal_bands=temporal_bands,
                           mean=[[123.675, 116.28, 103.53], [128.0]],
                           std=[[58.395, 57.12, 57.375], [64.0]]),
    backbone=resnet,
    backbone_t2=dict(type='ResNetV1c', depth=50, in_channels=1, num_stages=4,
                     out_indices=(0, 1, 2, 3), dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2),
                     norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
                     style='pytorch', contract_dilation=True, init_cfg=None),
    decode_head=dict(in_channels=[256, 512, 1024, 2048]))
