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
        # Random init (cdkd's offline check resolves local files, torchvision:// and open-mmlab://
        # names; for ImageNet weights give a local mmpretrain MobileNetV2 file:
        # init_cfg=dict(type='Pretrained', checkpoint='/path/to/mobilenet_v2.pth'))
        init_cfg=None),
    decode_head=dict(in_channels=[24, 32, 96, 320], channels=64))
