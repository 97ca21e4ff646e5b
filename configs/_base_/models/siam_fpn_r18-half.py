# Compression student: Siamese ResNet-18 at half width (stem and base channels 32, stage widths
# 32/64/128/256), |t1 - t2| fusion, semantic-FPN head with 64 channels. About a quarter of the
# ResNet-18 student's parameters; there are no ImageNet weights at this width (random init).
_base_ = ['./siam_fpn_r18.py']
model = dict(
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=64))
