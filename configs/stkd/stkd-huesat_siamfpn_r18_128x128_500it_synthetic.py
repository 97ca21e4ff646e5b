# STKD perturbation ablation: the student view perturbs image B only by
# dict(type='StudentHueSaturation', hue_delta=18, saturation_range=(0.7, 1.3))
# (validation keeps the default student view mix, so student/* scores compare across ablations).
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='MultiImgRandomRotate90', prob=0.5),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=16, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=5),
    dict(type='RandomTemporalExchange', prob=0.5),
    dict(type='StudentHueSaturation', hue_delta=18, saturation_range=(0.7, 1.3)),
    dict(type='PackChangeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
