# Heterogeneous change detection, optical t1 -> SAR t2, with an optical t2 image for training
# (e.g. a teacher that sees two optical dates): 256 x 256 patches laid out as
# data/hetero_cd/{train,val,test}/{A (optical t1), B (SAR t2), C (optical t2), Label}/*.png,
# masks 0/255. img_paths (and the stacked input channels) are [A, B, C] for training and [A, B]
# for validation/test, where only the deployable pair is loaded (with_optical_t2=False).
# No RandomTemporalExchange: the dates come from different sensors.
dataset_type = 'HeteroCDDataset'
data_root = 'data/hetero_cd'
crop_size = (256, 256)

train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion', shared=False),  # per date: different sensors
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
        type=dataset_type, data_root=data_root, with_optical_t2=True,
        data_prefix=dict(img_path_from='train/A', img_path_to='train/B',
                         img_path_to_optical='train/C', seg_map_path='train/Label'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, with_optical_t2=False,
        data_prefix=dict(img_path_from='val/A', img_path_to='val/B', seg_map_path='val/Label'),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, with_optical_t2=False,
        data_prefix=dict(img_path_from='test/A', img_path_to='test/B',
                         seg_map_path='test/Label'),
        pipeline=test_pipeline))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
