# LEVIR-CD as 256 x 256 patches (the BIT/ChangeFormer/KD-MSI convention): each 1024 x 1024 tile
# cut into 16 non-overlapping patches, laid out as data/levir_cd/{train,val,test}/{A,B,label}/*.png
# (masks 0/255). Training on the 1024 tiles with a random crop instead only needs other prefixes.
dataset_type = 'LEVIRCDDataset'
data_root = 'data/levir_cd'
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
        pipeline=test_pipeline))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
