default_scope = 'cdkd'
env_cfg = dict(
    # cuDNN picks the fastest kernels per input shape: right for the fixed-size training crops
    # (inputs of new shapes, e.g. whole images of several sizes, are tuned once per shape).
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo when no GPU is present.
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ChangeLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
