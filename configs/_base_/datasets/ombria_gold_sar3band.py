# OMBRIA (ombria_gold.py) with the SAR image read as three equal bands, as the official GOLD
# dataset reads its SAR PNGs (datasets/dataset.py:472, normalised with the ImageNet statistics by
# the model's data preprocessor): the same pipelines with MultiImgSelectBands after loading.
_base_ = ['./ombria_gold.py']
crop_size = (256, 256)
sar_to_rgb = [None, [0, 0, 0]]
train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='MultiImgSelectBands', bands=sar_to_rgb + [None]),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=180, pad_val=0, seg_pad_val=255),
    dict(type='MultiImgRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiImgRandomResize', scale=crop_size[::-1], ratio_range=(1.0, 1.2),
         keep_ratio=True, interpolation='bicubic'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomGaussianBlur', sigma_range=(0.0, 1.0), prob=1.0),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=10, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=10, shared=False),
    dict(type='PackChangeInputs'),
]
test_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='MultiImgSelectBands', bands=sar_to_rgb),
    dict(type='LoadChangeAnnotation'),
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
