# KD-MSI stage 1 (official core/networks.py:28-102, train_classification_with_KD.py): Siamese
# ResNet-50 CAM teacher + Siamese ResNet-50 student (separate weights), joint training from
# image-level labels; L = L_cls(teacher) + 10 * MSE(sigmoid(G_s), CAM(G_t) * y).
# Fusions per dataset (teacher, student) are set in configs/kdmsi/*; these are the training
# script's defaults (teacher abs, student minus). Random init here; the real-dataset configs load
# ImageNet weights (init_cfg), the synthetic one trains from scratch.
norm_cfg = dict(type='BN', requires_grad=True)  # --mode normal: trainable BatchNorm
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
    type='ResNet',  # torchvision layout (7x7 stem), as the official resnet.ResNet
    depth=50,
    in_channels=3,
    num_stages=4,
    out_indices=(3, ),
    dilations=(1, 1, 1, 1),
    strides=(1, 2, 2, 1),  # + the stem's 4 = torchvision strides (2, 2, 2, 1): output stride 16
    norm_cfg=norm_cfg,
    norm_eval=False,
    style='pytorch')  # no init_cfg: random init (real-dataset configs add the ImageNet one)
model = dict(
    type='CAMDistillationDetector',
    data_preprocessor=data_preprocessor,
    teacher=dict(type='SiameseCAMNet', backbone=backbone, in_channels=2048, fusion='abs_diff',
                 temporal_bands=temporal_bands, classifier_bias=False, joint_date_batch=False),
    student=dict(type='SiameseCAMNet', backbone=backbone, in_channels=2048, fusion='diff',
                 temporal_bands=temporal_bands, classifier_bias=False, joint_date_batch=False),
    kd_weight=10.0,
    label_gated_cam=True,
    threshold=0.5,
    test_cfg=dict(output='student', upsample='nearest'))
# Multiscale sigmoid inference (python tools/test.py CONFIG CKPT --tta), as
# multi_scale_sigmoid_inference.py: scales 0.5/1/1.25/2, bicubic view resize (antialiased = PIL's
# bicubic), original + width flip, sigmoid on the stride-16 map, one bilinear upsample to the input
# size rounded up to 16, crop, mean over the views.
tta_model = dict(type='MultiScaleChangeTTA', mode='msi', scales=(0.5, 1.0, 1.25, 2.0), flip=True,
                 flip_axis='width', resize_mode='bicubic', antialias=True, output_size_divisor=16)
