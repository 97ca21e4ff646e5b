# KD-MSI stage 1 on WHU-CD (256 x 256 patches): teacher 'minus' (diff), student 'cat' (concat), as
# in the official README. Image-level labels only (ImageLevelChangeLabel drops the masks); the
# pixel masks of the training images are used for model selection and evaluation only.
#   train:                python tools/train.py THIS
#   student / +MSI:       python tools/test.py THIS WORK_DIR [--tta]
#   pseudo labels (MSI):  python tools/pseudo_label.py THIS WORK_DIR --out-dir DIR --sweep
_base_ = [
    '../_base_/models/kdmsi_r50.py', '../_base_/datasets/whu_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_kdmsi_20e.py'
]
model = dict(teacher=dict(fusion='diff'), student=dict(fusion='concat'))
weak_train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=(256, 256)),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1),
    dict(type='PackChangeInputs'),
]
eval_pipeline = [  # the image label beside the mask: model selection gates the map by it
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1, drop_mask=False),
    dict(type='PackChangeInputs'),
]
train_images = dict(img_path_from='train/A', img_path_to='train/B', seg_map_path='train/label')
train_dataloader = dict(
    batch_size=8,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_prefix=train_images, pipeline=weak_train_pipeline))
# Model selection and the ablation are on the *training* images (methods.md).
val_dataloader = dict(batch_size=8, dataset=dict(data_prefix=train_images, pipeline=eval_pipeline))
test_dataloader = val_dataloader
# official selection: sigmoid(G_s) x image label, nearest-upsampled, best change IoU, 0.10 ... 0.95
val_evaluator = dict(type='ThresholdSweepMetric', key='IoU', image_label_gating=True)
test_evaluator = [dict(type='ChangeMetric'),
                  dict(type='ThresholdSweepMetric', prefix='sweep', image_label_gating=True)]
log_processor = dict(by_epoch=True)
