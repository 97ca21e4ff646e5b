# STKD variant: the distillation gradient also flows through the teacher (original-pair) branch.
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(detach_teacher=False)
