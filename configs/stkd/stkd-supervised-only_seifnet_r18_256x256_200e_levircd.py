# STKDNet loss ablation (the paper's Table III, first row): the clean pair's BCE-Dice only (no
# student pass), i.e. SEIFNet trained through the distiller.
_base_ = ['./stkd_seifnet_r18_256x256_200e_levircd.py']
model = dict(distill_loss=None, student_sup_weight=0.0)
