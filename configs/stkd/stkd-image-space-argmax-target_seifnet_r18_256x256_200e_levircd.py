# cdkd's fixed STKDNet: both candidate causes of the official view's loss removed at once, the
# student view on the image in [0, 1] (no clipping below the mean) and the teacher's argmax as
# the distillation target.
_base_ = ['./stkd-image-space_seifnet_r18_256x256_200e_levircd.py']
model = dict(distill_loss=dict(target_rule='argmax'))
