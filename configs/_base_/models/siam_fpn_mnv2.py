# Compression student: Siamese MobileNetV2 (mmseg's, width 1.0) encoder, |t1 - t2| fusion of the
# stride-4/8/16/32 outputs (24/32/96/320 channels), semantic-FPN head with 64 channels.
# mmseg's MobileNetV2 takes 3-band images only (its stem is fixed to 3 input channels).
_base_ = ['./siam_fpn_r18.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.0,
        strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(1, 2, 4, 6),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU6'),
        norm_eval=False,
        # Random init by default; ImageNet weights: init_cfg=dict(type='Pretrained',
        # checkpoint='mmcls://mobilenet_v2')
        init_cfg=None),
    decode_head=dict(in_channels=[24, 32, 96, 320], channels=64))
