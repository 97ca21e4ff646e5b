# STKD loss ablation (Table III row 1): the original pair's supervised loss only: no student pass,
# i.e. the baseline trained through the distiller.
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(distill_loss=None, student_sup_weight=0.0)
