# Heterogeneous change detection, optical t1 -> SAR t2, with an optical t2 image for training
# (e.g. a teacher that sees two optical dates): 512 x 512 tiles as tools/preprocess_hetero.py
# writes them, data/hetero_cd/{train,val,test}/{A (optical t1), B (SAR t2), C (optical t2),
# Label or label}/*.png, masks 0/255 (255 = ignore, e.g. the padding of edge tiles). img_paths
# (and the stacked input channels) are [A, B, C] for training and [A, B] for validation/test,
# where only the deployable pair is loaded (with_optical_t2=False).
# Training pipeline: GOLD's online augmentation (datasets/dataset.py:86-195): rotation +-180 deg
# p 0.5, random crop with cat_max_ratio 0.75, horizontal and vertical flips p 0.5 each, random
# scale 1-1.2 + crop, Gaussian blur sigma U(0, 1), photometric per date (different sensors); no
# temporal exchange. ombria_gold.py is the same at OMBRIA's native 256.
dataset_type = 'HeteroCDDataset'
data_root = 'data/hetero_cd'
crop_size = (512, 512)

train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=180, pad_val=0, seg_pad_val=255),
    dict(type='MultiImgRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiImgRandomResize', scale=crop_size[::-1], ratio_range=(1.0, 1.2),
         keep_ratio=True, interpolation='bicubic'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomGaussianBlur', sigma_range=(0.0, 1.0), per_date_sigma=True),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=10, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=10, shared=False),
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
