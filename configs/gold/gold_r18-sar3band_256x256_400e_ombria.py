# As gold_r18_256x256_400e_ombria.py, with the SAR image read as the official dataset reads it
# (datasets/dataset.py:472): its band repeated to three (band_repeats) and normalised with the
# ImageNet statistics, so the SAR encoder takes the full ImageNet weights.
_base_ = ['./gold_r18_256x256_400e_ombria.py']
imagenet_mean, imagenet_std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
model = dict(
    data_preprocessor=dict(temporal_bands=(3, 3, 3), band_repeats=(1, 3, 1),
                           mean=[imagenet_mean] * 3, std=[imagenet_std] * 3),
    temporal_bands=(3, 3),
    backbone_t2=dict(in_channels=3))
