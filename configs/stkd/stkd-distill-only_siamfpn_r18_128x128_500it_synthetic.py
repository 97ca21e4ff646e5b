# STKD loss ablation: original supervised loss + distillation, no student supervised loss.
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(student_sup_weight=0.0)
