# STKDNet with the official code's commented-out weak view (trainer.py:30-40): ColorJitter
# (0.1, 0.1, 0.1, 0.05) + GaussianBlur(3 x 3, sigma U(0.1, 1.0)), here in place of the strong one.
_base_ = ['./stkd_seifnet_r18_256x256_200e_levircd.py']
model = dict(student_augment=dict(brightness=0.1, contrast=0.1, saturation=0.1, hue=0.05,
                                  sigma=(0.1, 1.0)))
