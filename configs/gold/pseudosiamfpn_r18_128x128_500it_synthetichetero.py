# Baseline for GOLD on the generated optical/SAR scenes: the student branch alone (optical t1
# ResNet-18 + SAR t2 ResNet-18, no teacher, no distillation), same data, crops and schedule as
# gold_r18_128x128_500it_synthetichetero.py; trains on A + B only.
_base_ = ['./gold_r18_128x128_500it_synthetichetero.py']
temporal_bands = (3, 1)
model = dict(
    _delete_=True,
    type='SiameseEncoderDecoder',
    data_preprocessor=dict(type='ChangeDataPreProcessor', temporal_bands=temporal_bands,
                           mean=[[123.675, 116.28, 103.53], [128.0]],
                           std=[[58.395, 57.12, 57.375], [64.0]],
                           pad_val=0, seg_pad_val=255, size_divisor=32),
    temporal_bands=temporal_bands,
    backbone={{_base_.resnet}},
    backbone_t2=dict(type='ResNetV1c', depth=18, in_channels=1, num_stages=4,
                     out_indices=(0, 1, 2, 3), dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2),
                     norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
                     style='pytorch', contract_dilation=True, init_cfg=None),
    neck=dict(type='FeatureFusionNeck', policy='abs_diff'),
    decode_head={{_base_.model.decode_head}},
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(dataset=dict(with_optical_t2=False))
