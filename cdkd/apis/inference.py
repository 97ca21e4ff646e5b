"""Python API: build a model from a config and checkpoint, predict change for image pairs."""
import copy
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmseg.structures import SegDataSample

from cdkd.models.utils import probability_from_seg_logits
from cdkd.registry import MODELS
from cdkd.utils import register_all_modules

from .checkpoint import load_weights_strictly, resolve_checkpoint

ANNOTATION_LOADERS = ('LoadChangeAnnotation', )


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: str = 'cpu', cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the model of ``config`` and load ``checkpoint`` (a file or a work dir) strictly:
    missing, unexpected or differently shaped keys raise ``ValueError`` naming them."""
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'cdkd'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('init_cfg', None)
    model_cfg.get('backbone', {}).pop('init_cfg', None)  # no pretrained download at inference
    model = MODELS.build(model_cfg)
    if checkpoint is not None:  # strictly: a checkpoint of another architecture is an error
        ckpt = load_weights_strictly(model, resolve_checkpoint(checkpoint),
                                     getattr(cfg, 'filename', None))
        meta = ckpt.get('meta', {})
        if 'dataset_meta' in meta:
            model.dataset_meta = meta['dataset_meta']
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model


def build_inference_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline without annotation loading (labels are not needed)."""
    steps = [step for step in cfg.test_dataloader.dataset.pipeline
             if step['type'] not in ANNOTATION_LOADERS]
    return Compose(steps)


def band_selections(cfg: Config) -> List[list]:
    """The ``bands`` of every ``MultiImgSelectBands`` step of the inference pipeline, in order
    (scene inference applies them to the rasters it reads)."""
    from cdkd.datasets.transforms import MultiImgSelectBands
    return [step.bands for step in build_inference_pipeline(cfg).transforms
            if isinstance(step, MultiImgSelectBands)]


@torch.no_grad()
def inference_model(model: torch.nn.Module,
                    pairs: Union[Sequence[str], List[Sequence[str]]]) -> Union[SegDataSample, List[SegDataSample]]:
    """Predict change for one pair ``[path_t1, path_t2]`` or a list of pairs.

    Returns ``SegDataSample`` objects with ``pred_sem_seg`` (0/1) and ``seg_logits`` (for a single-logit
    head: the change probability; for two classes: the logits).
    """
    single = isinstance(pairs[0], str)
    pairs = [pairs] if single else pairs
    pipeline = build_inference_pipeline(model.cfg)
    results = []
    for paths in pairs:
        data = pipeline(dict(img_paths=list(paths), seg_map_path=None, seg_fields=[],
                             sample_name=_stem(paths[0])))
        batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
        results.extend(model.test_step(batch))
    return results[0] if single else results


def change_probability(sample: SegDataSample) -> np.ndarray:
    """Per-pixel change probability (H x W float32) from a prediction of either head type."""
    return probability_from_seg_logits(sample.seg_logits.data).float().cpu().numpy()


def _stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]
