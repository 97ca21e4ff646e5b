# KD-MSI stage 1 on WHU-CD (256 x 256 patches) as the official code runs it: teacher 'minus'
# (diff), student 'cat' (concat) (official README), ImageNet ResNet-50s, no augmentation,
# SGD with the effective momentum 1e-4 (schedule_kdmsi_20e.py). Image-level labels only
# (ImageLevelChangeLabel drops the masks); the pixel masks of the training images are used for
# model selection and evaluation only.
#   train:                python tools/train.py THIS
#   student / +MSI:       python tools/test.py THIS WORK_DIR [--tta]
#   pseudo labels (MSI):  python tools/pseudo_label.py THIS WORK_DIR --out-dir DIR --sweep
_base_ = [
    '../_base_/models/kdmsi_r50.py', '../_base_/datasets/whu_cd.py',
    '../_base_/datasets/kdmsi_weak_pipelines.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_kdmsi_20e.py'
]
imagenet = dict(init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))
model = dict(teacher=dict(fusion='diff', backbone=imagenet),
             student=dict(fusion='concat', backbone=imagenet))
train_images = dict(img_path_from='train/A', img_path_to='train/B', seg_map_path='train/label')
train_dataloader = dict(
    batch_size=8,
    drop_last=True,  # the official DataLoader drops the last partial batch
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_prefix=train_images, pipeline={{_base_.weak_train_pipeline}}))
# Model selection and the ablation are on the *training* images (methods.md).
val_dataloader = dict(batch_size=8, dataset=dict(data_prefix=train_images,
                                                 pipeline={{_base_.weak_eval_pipeline}}))
test_dataloader = val_dataloader
# official selection: sigmoid(G_s) x image label at stride 16, nearest-upsampled, best change IoU
# over 0.10 ... 0.95
val_evaluator = dict(type='ThresholdSweepMetric', key='IoU', image_label_gating=True)
test_evaluator = [dict(type='ChangeMetric'),
                  dict(type='ThresholdSweepMetric', prefix='sweep', image_label_gating=True)]
log_processor = dict(by_epoch=True)
