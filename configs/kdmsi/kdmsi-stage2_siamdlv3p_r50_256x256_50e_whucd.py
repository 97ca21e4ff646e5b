# KD-MSI stage 2: Siamese DeepLabV3+ (ASPP on F1 - F2, decoder with F1_low - F2_low) trained on the
# MSI pseudo labels of the training images, evaluated on the real val/test labels.
# The pseudo-label folder defaults to where
# `tools/kdmsi_pipeline.py --work-dir work_dirs/kdmsi_whucd` writes it; the pipeline passes its
# own absolute path.
_base_ = [
    '../_base_/models/siam_deeplabv3plus_r50.py', '../_base_/datasets/whu_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_kdmsi_stage2_50e.py'
]
train_dataloader = dict(
    batch_size=16,
    drop_last=True,  # the ASPP image-pooling BatchNorm cannot train on a batch of one
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_prefix=dict(
        img_path_from='train/A', img_path_to='train/B',
        seg_map_path='{{fileDirname}}/../../work_dirs/kdmsi_whucd/pseudo_labels/label')))
log_processor = dict(by_epoch=True)
