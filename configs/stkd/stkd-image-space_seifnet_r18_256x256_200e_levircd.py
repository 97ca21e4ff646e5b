# STKDNet with the student view computed on the un-normalised image in [0, 1] (the perturbation
# torchvision's ColorJitter is meant for): no clipping of everything below the mean, which the
# official code's jitter on the [-1, 1] tensor causes.
_base_ = ['./stkd_seifnet_r18_256x256_200e_levircd.py']
model = dict(student_augment=dict(space='image'))
