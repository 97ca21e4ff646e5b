# STKDNet perturbation self-distillation around the Siamese ResNet-18 + FPN baseline: the same
# network sees the original pair (teacher) and the pair with image B perturbed (student); losses =
# teacher CE + student CE + per-pixel KL(teacher || student) on the decode logits (teacher detached).
_base_ = ['./siam_fpn_r18.py']
model = dict(
    _delete_=True,
    type='STKDDistiller',
    detector={{_base_.model}},
    distill_loss=dict(type='PixelKLDivLoss', temperature=1.0, loss_weight=1.0),
    feature_losses=[],
    teacher_sup_weight=1.0,
    student_sup_weight=1.0,
    detach_teacher=True,
    ema_teacher=False)
# cdkd's default student view (the paper's per-dataset choice, its Table I/II, is not available):
# one photometric/noise/blur/compression perturbation of B per sample, drawn uniformly.
student_perturbation = dict(
    type='StudentRandomChoice',
    transforms=[
        dict(type='StudentBrightness', delta=0.1),
        dict(type='StudentContrast', contrast_range=(0.7, 1.3)),
        dict(type='StudentGamma', gamma_range=(0.7, 1.5)),
        dict(type='StudentHueSaturation', hue_delta=18, saturation_range=(0.7, 1.3)),
        dict(type='StudentGaussianNoise', std_range=(0.01, 0.05)),
        dict(type='StudentGaussianBlur', sigma_range=(0.5, 1.5)),
        dict(type='StudentJPEGCompression', quality_range=(30, 70)),
    ])
