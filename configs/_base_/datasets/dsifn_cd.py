# DSIFN-CD (Zhang et al. 2020) as 256 x 256 patches (the BIT/ChangeFormer DSIFN-CD-256 layout):
# data/dsifn_cd/{train,val,test}/{A,B,label}/*.png, masks 0/255.
# The original release (512 x 512 tiles, {t1,t2}/*.jpg, mask/*.png, test masks *.tif) is
# DSIFNCDDataset's default layout: drop the A/B/label prefixes and img_suffix below, keep the
# random crop, and set seg_map_suffix='.tif' for the test split.
dataset_type = 'DSIFNCDDataset'
data_root = 'data/dsifn_cd'
crop_size = (256, 256)

train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion'),
    dict(type='RandomTemporalExchange', prob=0.5),  # binary change: symmetric in time
    dict(type='PackChangeInputs'),
]
test_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='PackChangeInputs'),
]
# Loader workers stay alive between epochs/validations; pinned memory speeds up host-to-GPU
# copies (train.py/test.py drop it without CUDA, and persistent workers at num_workers=0).
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root,
        data_prefix=dict(img_path_from='train/A', img_path_to='train/B',
                         seg_map_path='train/label'),
        img_suffix='.png',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root,
        data_prefix=dict(img_path_from='val/A', img_path_to='val/B',
                         seg_map_path='val/label'),
        img_suffix='.png',
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root,
        data_prefix=dict(img_path_from='test/A', img_path_to='test/B',
                         seg_map_path='test/label'),
        img_suffix='.png',
        pipeline=test_pipeline))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
