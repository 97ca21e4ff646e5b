# Baseline for GOLD: the student branch alone (pseudo-Siamese optical/SAR, no teacher, no
# distillation), same data and schedule as gold_r50_256x256_20k_hetero.py; trains on A + B only.
_base_ = [
    '../_base_/models/pseudosiam_fpn_r50.py', '../_base_/datasets/hetero_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
train_dataloader = dict(dataset=dict(
    with_optical_t2=False,
    data_prefix=dict(_delete_=True, img_path_from='train/A', img_path_to='train/B',
                     seg_map_path='train/Label')))
