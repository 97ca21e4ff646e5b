# SYSU-CD (Shi et al. 2021): 256 x 256 patches as released,
# data/sysu_cd/{train,val,test}/{time1,time2,label}/*.png (masks 0/255).
dataset_type = 'SYSUCDDataset'
data_root = 'data/sysu_cd'
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
        data_prefix=dict(img_path_from='train/time1', img_path_to='train/time2',
                         seg_map_path='train/label'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root,
        data_prefix=dict(img_path_from='val/time1', img_path_to='val/time2',
                         seg_map_path='val/label'),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root,
        data_prefix=dict(img_path_from='test/time1', img_path_to='test/time2',
                         seg_map_path='test/label'),
        pipeline=test_pipeline))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
