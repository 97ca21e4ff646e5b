# OMBRIA flood mapping in HeteroCD-GOLD's layout (208 triplets of the OMBRIA train split, 256 x
# 256, see ../shared/data/README): {A (Sentinel-2 before, B11/B8/B3 as RGB), B (Sentinel-1 VV
# after, 1 band), C (Sentinel-2 after), Label (flood mask 0/255)}/train_<id>.png. Point data_root
# at the folder (e.g. `ln -s /path/to/ombria_gold data/ombria_gold`); nothing is copied.
# Fixed split (seeded shuffle, seed 0, of the sorted names; 166 train / 42 val, flood share 0.32 /
# 0.39): splits/ombria_gold_{train,val}.txt beside this file; test = val, as the official GOLD
# code evaluates its val set (datasets/dataset.py:285).
# Training pipeline: hetero_cd.py's (GOLD's online augmentation, datasets/dataset.py:86-195) at
# OMBRIA's native 256 (the official code would first resize every tile to its 512 crop).
dataset_type = 'HeteroCDDataset'
data_root = 'data/ombria_gold'
crop_size = (256, 256)
train_split = '{{fileDirname}}/splits/ombria_gold_train.txt'
val_split = '{{fileDirname}}/splits/ombria_gold_val.txt'

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
train_prefix = dict(img_path_from='A', img_path_to='B', img_path_to_optical='C',
                    seg_map_path='Label')
eval_prefix = dict(img_path_from='A', img_path_to='B', seg_map_path='Label')
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=train_split,
                 with_optical_t2=True, data_prefix=train_prefix, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=val_split,
                 with_optical_t2=False, data_prefix=eval_prefix, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
