# STKDNet loss ablation (Table III, second row): teacher BCE-Dice + 0.9 x student BCE-Dice on the
# perturbed pair, no distillation term.
_base_ = ['./stkd_seifnet_r18_256x256_200e_levircd.py']
model = dict(distill_loss=None)
