"""The inference network as one tensor-in, tensor-out module: raw stacked bands -> change
probability. Used by large-scene inference (as the default ``predict_probs``) and ONNX export.

Export protocol: a change detector's ``export_module()`` returns the ``nn.Module`` that predicts at
test time, called as ``module(normalised_inputs, mode='tensor')`` and returning logits
``(N, K, h, w)`` with K = 1 (sigmoid) or 2 (softmax, channel 1 = change).
``SiameseEncoderDecoder`` returns itself; a distillation model returns its student.
"""
import copy
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from cdkd.models.utils import export_module, input_size_probability
from cdkd.registry import MODELS


class ChangeProbabilityNet(nn.Module):
    """``(N, sum(temporal_bands), H, W)`` raw float inputs -> ``(N, 1, H, W)`` change probability.

    Normalises with the detector's data preprocessor statistics, runs ``model.export_module()``,
    and returns the probability that ``tools/test.py`` scores
    (:func:`cdkd.models.utils.input_size_probability`: logits resized as mmseg does, then the sigmoid
    of a single logit or the softmax change channel of two classes; or the network's own
    ``probability`` such as KD-MSI's, whose ``CAM(G_t)`` is normalised per input, i.e. per tile in
    scene inference). H and W should be multiples of the preprocessor's
    ``size_divisor`` (32 for ResNet encoders), as they are after its padding.

    With ``tta_model`` (see :func:`build_tta_model`), the normalised batch goes to its
    ``change_probability`` instead (e.g. ``MultiScaleChangeTTA``: all views, one sigmoid per view,
    un-flipped, resized and averaged), as ``tools/test.py --tta`` predicts per image.

    ``temporal_bands`` (bands per date of the input) is the exported network's own when it has
    one, else the preprocessor's: GOLD trains on A + B + C but predicts from A + B, so only the
    statistics of those leading dates are kept (as ``HeteroChangeDataPreProcessor`` does).
    """

    def __init__(self, model: nn.Module, tta_model: Optional[nn.Module] = None):
        super().__init__()
        self.network = export_module(model)
        self.tta_model = tta_model
        preprocessor = model.data_preprocessor
        bands = (getattr(self.network, 'temporal_bands', None)
                 or getattr(preprocessor, 'temporal_bands', None))
        self.temporal_bands = tuple(bands) if bands else None
        if getattr(preprocessor, '_enable_normalize', False):
            mean, std = preprocessor.mean.detach().clone(), preprocessor.std.detach().clone()
            if self.temporal_bands is not None and mean.numel() > sum(self.temporal_bands):
                mean, std = mean[:sum(self.temporal_bands)], std[:sum(self.temporal_bands)]
        else:
            mean, std = torch.zeros(1, 1, 1), torch.ones(1, 1, 1)
        self.register_buffer('mean', mean.float().view(1, -1, 1, 1))
        self.register_buffer('std', std.float().view(1, -1, 1, 1))
        head = getattr(self.network, 'decode_head', None)
        self.align_corners = bool(getattr(head, 'align_corners', False))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        normalised = (inputs.float() - self.mean) / self.std
        if self.tta_model is not None:
            return self.tta_model.change_probability(normalised)[:, None]
        return input_size_probability(self.network, normalised, self.align_corners)[:, None]


def build_tta_model(model: nn.Module) -> nn.Module:
    """The config's ``tta_model`` (``model.cfg``, as set by :func:`init_model`) around the loaded
    prediction network, as ``tools/test.py --tta`` builds it (there around ``cfg.model``; here
    around ``export_module(model)``, the student of a distillation model, like the plain path).

    The TTA model must offer ``change_probability(normalised (N, C, H, W)) -> (N, H, W)``, as
    ``MultiScaleChangeTTA`` does; a ``tta_pipeline`` is not used.
    """
    cfg = getattr(model, 'cfg', None)
    if cfg is None or cfg.get('tta_model') is None:
        source = getattr(cfg, 'filename', None) or 'the config'
        raise KeyError(f"test-time augmentation needs a tta_model in {source}, e.g. "
                       "tta_model = dict(type='MultiScaleChangeTTA', mode='msi')")
    tta_cfg = copy.deepcopy(dict(cfg.tta_model))
    tta_cfg['module'] = export_module(model)
    tta_model = MODELS.build(tta_cfg)
    if not callable(getattr(tta_model, 'change_probability', None)):
        raise TypeError(f'tta_model type {tta_cfg.get("type")!r} has no change_probability(inputs) '
                        'for tensor-level prediction; use MultiScaleChangeTTA')
    return tta_model.eval()
