# cdkd's variant of STKDNet: the distillation target is the teacher's argmax instead of the
# official 1[mean of the two logits > 0.5], which is "no change" almost everywhere once the
# logits have opposite signs (see HardTargetBCEDiceLoss).
_base_ = ['./stkd_seifnet_r18_256x256_200e_levircd.py']
model = dict(distill_loss=dict(target_rule='argmax'))
