# STKD loss ablation: original + student supervised losses, no distillation (the perturbed pair
# acts as plain augmentation of B).
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(distill_loss=None)
