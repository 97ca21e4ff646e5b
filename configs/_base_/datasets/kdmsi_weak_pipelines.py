# KD-MSI stage-1 pipelines (image-level labels). The official stage 1 has no augmentation: the
# 256 x 256 patches are only normalised (core/data_utils_for_CAM_generation.py:37-79; it resizes
# to 256 when a patch has another size: give 256 x 256 patches, as tools/dataset_converters write).
weak_train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1),  # label 1 iff any changed pixel
    dict(type='PackChangeInputs'),
]
# cdkd variant (kdmsi-flipaug_*): random horizontal/vertical flips, not in the official code.
weak_flip_train_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1),
    dict(type='PackChangeInputs'),
]
# Model selection / ablation on the training images: the mask, and the image label beside it (the
# official selection multiplies the map by it, train_classification_with_KD.py:214-215).
weak_eval_pipeline = [
    dict(type='LoadMultiImageFromFile'),
    dict(type='LoadChangeAnnotation'),
    dict(type='ImageLevelChangeLabel', min_changed_pixels=1, drop_mask=False),
    dict(type='PackChangeInputs'),
]
