"""Tiny CPU model configs for tests (a ResNet-18 layout with 8 base channels)."""
import copy


def tiny_backbone(in_channels=3):
    return dict(type='ResNetV1c', depth=18, in_channels=in_channels, stem_channels=8,
                base_channels=8, num_stages=4, out_indices=(0, 1, 2, 3),
                norm_cfg=dict(type='BN', requires_grad=True), init_cfg=None)


def tiny_detector(policy='abs_diff', single_logit=False, temporal_bands=(3, 3), threshold=0.5,
                  backbone_t2=None):
    widths = [8, 16, 32, 64]
    in_channels = [2 * w for w in widths] if policy == 'concat' else widths
    head = dict(type='FPNHead', in_channels=in_channels, in_index=[0, 1, 2, 3],
                feature_strides=[4, 8, 16, 32], channels=16, dropout_ratio=0.0, num_classes=2,
                norm_cfg=dict(type='BN', requires_grad=True), align_corners=False,
                loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=single_logit,
                                 avg_non_ignore=True))
    if single_logit:
        head.update(out_channels=1, threshold=threshold)
    return dict(
        type='SiameseEncoderDecoder',
        data_preprocessor=dict(type='ChangeDataPreProcessor', temporal_bands=temporal_bands,
                               mean=[128.0] * sum(temporal_bands), std=[64.0] * sum(temporal_bands),
                               size_divisor=32),
        temporal_bands=temporal_bands,
        backbone=tiny_backbone(temporal_bands[0]),
        backbone_t2=copy.deepcopy(backbone_t2),
        neck=dict(type='FeatureFusionNeck', policy=policy),
        decode_head=head,
        test_cfg=dict(mode='whole'))
