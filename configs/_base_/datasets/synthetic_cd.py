# Synthetic optical change detection (cdkd.datasets.synthetic): generated on first use into
# data/synthetic_cd/{train,val,test}/{A,B,label} (about 40 s for 1100 scenes; 256 x 256, labels
# 0/255). Built to be learnable in minutes on CPU by the Siamese ResNet-18 baseline.
dataset_type = 'SyntheticCDDataset'
data_root = 'data/synthetic_cd'
crop_size = (256, 256)
synthetic_splits = dict(train=800, val=100, test=200)
synthetic_size = 256
synthetic_seed = 0

train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=16, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=5),
    dict(type='RandomTemporalExchange', prob=0.5),  # building appear/vanish: symmetric change
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
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train', splits=synthetic_splits,
        size=synthetic_size, seed=synthetic_seed, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='val', splits=synthetic_splits,
        size=synthetic_size, seed=synthetic_seed, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test', splits=synthetic_splits,
        size=synthetic_size, seed=synthetic_seed, pipeline=test_pipeline))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
