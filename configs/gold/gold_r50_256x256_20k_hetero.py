# GOLD on an optical/SAR dataset laid out as data/hetero_cd/{train,val,test}/{A,B,C,Label}
# (tools/preprocess_hetero.py writes it): ResNet-50 encoders from scratch, 256 x 256 crops, 20k
# iterations, batch 8. Validation/test load only A + B and run the student.
_base_ = [
    '../_base_/models/gold_fpn_r50.py', '../_base_/datasets/hetero_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
# Official code: the task log-variances learn at a tenth of the network's learning rate.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'task_weighting.log_vars': dict(lr_mult=0.1)}))
