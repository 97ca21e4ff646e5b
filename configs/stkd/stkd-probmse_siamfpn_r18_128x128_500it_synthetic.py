# STKD loss ablation: MSE between teacher and student change probabilities instead of the KL.
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(distill_loss=dict(_delete_=True, type='ProbabilityMSELoss', loss_weight=1.0))
