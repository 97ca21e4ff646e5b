# STKDNet (the official code, models/trainer.py): SEIFNet sees the clean pair (teacher) and the
# pair with B perturbed by ColorJitter + GaussianBlur on the normalised tensor (student), shared
# weights; L = BCEDice(T, gt) + 0.9 BCEDice(S, gt) + 0.1 BCEDice(S, 1[mean_c T > 0.5])
# (trainer.py:377-387).
_base_ = ['./seifnet_r18.py']
model = dict(
    _delete_=True,
    type='STKDDistiller',
    detector={{_base_.model}},
    student_augment=dict(
        type='ColorJitterBlurStudentView', brightness=0.4, contrast=0.4, saturation=0.4,
        hue=0.1, kernel_size=3, sigma=(0.1, 2.0), space='normalized', per_sample=False),
    distill_loss=dict(type='HardTargetBCEDiceLoss', threshold=0.5, loss_weight=0.1),
    feature_losses=[],
    teacher_sup_weight=1.0,
    student_sup_weight=0.9,
    detach_teacher=True,  # the hard target carries no gradient either way
    ema_teacher=False)
