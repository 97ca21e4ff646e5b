# Baseline for GOLD on the generated optical/SAR scenes: GOLD's student branch alone (the same
# optical t1 / SAR t2 encoders, fusion and head, trained on its change loss only; no teacher, no
# distillation), same data, crops and schedule as gold_r18_128x128_500it_synthetichetero.py;
# trains on A + B only.
_base_ = ['./gold_r18_128x128_500it_synthetichetero.py']
model = dict(with_teacher=False, group_weighting=None,
             task_weighting=dict(_delete_=True, type='UncertaintyTaskWeighting', mode='fixed',
                                 tasks=('cd', ), fixed_weights=(1.0, ), main_task='cd'))
train_dataloader = dict(dataset=dict(with_optical_t2=False))
