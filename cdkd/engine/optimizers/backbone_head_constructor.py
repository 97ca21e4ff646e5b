from typing import List, Optional

from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from cdkd.registry import OPTIM_WRAPPER_CONSTRUCTORS

GROUPS = ('backbone_weight', 'backbone_bias', 'new_weight', 'new_bias')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class BackboneHeadParamGroupsConstructor(DefaultOptimWrapperConstructor):
    """KD-MSI's four parameter groups (the irn/PSA convention):

    =================  ====================  ===================
    group              lr                    weight decay
    =================  ====================  ===================
    backbone weights   lr * backbone_lr      wd
    backbone biases    lr * backbone_bias    0 (``bias_decay``)
    new-layer weights  lr * new_lr           wd
    new-layer biases   lr * new_bias         0 (``bias_decay``)
    =================  ====================  ===================

    A parameter is a backbone parameter when a dot-separated part of its name is in
    ``backbone_names``; a bias is a parameter whose name ends in ``bias`` (norm-layer weights
    count as weights). ``paramwise_cfg`` keys: ``backbone_names`` (('backbone',)), ``backbone_lr``
    (1), ``backbone_bias`` (2), ``new_lr`` (10), ``new_bias`` (20), ``bias_decay`` (0).
    Empty groups are left out.
    """

    DEFAULTS = dict(backbone_names=('backbone',), backbone_lr=1.0, backbone_bias=2.0, new_lr=10.0,
                    new_bias=20.0, bias_decay=0.0)

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        unknown = set(paramwise_cfg or {}) - set(self.DEFAULTS)
        if unknown:
            raise KeyError(f'unknown paramwise_cfg keys {sorted(unknown)}; known: '
                           f'{sorted(self.DEFAULTS)}')
        super().__init__(optim_wrapper_cfg, {**self.DEFAULTS, **(paramwise_cfg or {})})

    def _validate_cfg(self):
        """The parent's checks are for its own keys; ours are checked in ``__init__``."""

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '', **kwargs) -> None:
        cfg = self.paramwise_cfg
        wd = self.base_wd or 0.0
        settings = dict(
            backbone_weight=(cfg['backbone_lr'], wd),
            backbone_bias=(cfg['backbone_bias'], wd * cfg['bias_decay']),
            new_weight=(cfg['new_lr'], wd),
            new_bias=(cfg['new_bias'], wd * cfg['bias_decay']))
        grouped = {name: [] for name in GROUPS}
        backbone_names = set(cfg['backbone_names'])
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            part = 'backbone' if backbone_names & set(name.split('.')) else 'new'
            kind = 'bias' if name.endswith('bias') else 'weight'
            grouped[f'{part}_{kind}'].append(param)
        for name in GROUPS:
            if grouped[name]:
                lr_mult, decay = settings[name]
                params.append(dict(params=grouped[name], lr=self.base_lr * lr_mult,
                                   weight_decay=decay, group_name=name))
