# STKD variant: distillation targets from a separate mean (EMA) teacher on the original pair,
# updated by EMATeacherHook; val/test still use the online network (model.test_with='ema_teacher'
# evaluates the mean teacher).
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(ema_teacher=True)
custom_hooks = [
    dict(type='CheckInvalidLossHook'), dict(type='StudentViewMetricHook'),
    dict(type='EMATeacherHook', momentum=0.01)
]
