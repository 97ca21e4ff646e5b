# SEIFNet/STKDNet's training augmentation (datasets/CD_dataset.py:75-80 -> data_utils.py:75-122):
# horizontal flip p=0.5, vertical flip p=0.5, rescale by U(1, 1.2) (bicubic; labels nearest) and
# a random 256 x 256 crop, Gaussian blur of both dates with sigma U(0, 1). Validation and test
# use the plain pipeline of the dataset config. Batch 1 (run.sh), shuffled epochs. Use after a
# dataset config as `train_dataloader = {{_base_.seifnet_train_dataloader}}` (merged into it).
seifnet_crop_size = (256, 256)
seifnet_train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiImgRandomResize', scale=1.0, ratio_range=(1.0, 1.2), interpolation='bicubic'),
    dict(type='MultiImgRandomCrop', crop_size=seifnet_crop_size),
    dict(type='MultiImgRandomGaussianBlur', sigma_range=(0.0, 1.0)),
    dict(type='PackChangeInputs'),
]
seifnet_train_dataloader = dict(
    batch_size=1,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=seifnet_train_pipeline))
