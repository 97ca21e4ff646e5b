# KD-MSI stage 1: Siamese ResNet-50 CAM teacher + Siamese ResNet-50 student (separate weights),
# joint training from image-level labels; L = L_cls(teacher) + 10 * MSE(sigmoid(G_s), CAM).
# Fusions per dataset (teacher, student) are set in configs/kdmsi/*; these are the training
# script's defaults (teacher abs, student minus).
norm_cfg = dict(type='BN', requires_grad=True)
temporal_bands = (3, 3)
data_preprocessor = dict(
    type='ChangeDataPreProcessor',
    temporal_bands=temporal_bands,
    mean=[127.5] * 6,  # KD-MSI normalises with mean 0.5, std 0.5 on [0, 1] images
    std=[127.5] * 6,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16)
backbone = dict(
    type='ResNetV1c',
    depth=50,
    in_channels=3,
    num_stages=4,
    out_indices=(3, ),
    dilations=(1, 1, 1, 1),
    strides=(1, 2, 2, 1),  # output stride 16, as the irn-style ResNet-50 of the official code
    norm_cfg=norm_cfg,
    norm_eval=False,
    style='pytorch',
    contract_dilation=True,
    init_cfg=None)
model = dict(
    type='CAMDistillationDetector',
    data_preprocessor=data_preprocessor,
    teacher=dict(type='SiameseCAMNet', backbone=backbone, in_channels=2048, fusion='abs_diff',
                 temporal_bands=temporal_bands),
    student=dict(type='SiameseCAMNet', backbone=backbone, in_channels=2048, fusion='diff',
                 temporal_bands=temporal_bands),
    kd_weight=10.0,
    label_gated_cam=True,
    threshold=0.5,
    test_cfg=dict(output='student'))
# Multiscale sigmoid inference (python tools/test.py CONFIG CKPT --tta), official-code defaults.
tta_model = dict(type='MultiScaleChangeTTA', mode='msi', scales=(0.5, 1.0, 1.25, 2.0), flip=True,
                 flip_axis='width', resize_mode='bicubic', output_size_divisor=None)
