"""The export protocol: which network predicts at test time, how its raw logits become the change
probability that ``tools/test.py`` scores, and the threshold that cuts it. Every tool (test, infer,
infer_scene, export_onnx, TTA) goes through these three functions so they cannot disagree."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .change_probability import change_logit

DEFAULT_THRESHOLD = 0.5  # argmax of two classes; sigmoid(0) for one logit


def export_module(model: nn.Module) -> nn.Module:
    """The network that predicts at test time: ``model.export_module()`` when the model defines it
    (a distiller returns its student), else the model itself."""
    return model.export_module() if hasattr(model, 'export_module') else model


def logits_to_probability(logits: Tensor) -> Tensor:
    """Change probability ``(N, H, W)`` of raw logits ``(N, K, H, W)``: the sigmoid of one logit or
    the softmax change channel of two (:func:`change_logit`)."""
    return torch.sigmoid(change_logit(logits))


def input_size_probability(net: nn.Module, normalised: Tensor, align_corners: bool) -> Tensor:
    """The change probability ``(N, H, W)`` that ``net``'s ``predict`` scores, at the input size:
    ``net.probability(normalised)`` when the network defines it (e.g. KD-MSI, which maps its
    stride-16 map before upsampling, and scores ``CAM(G_t)`` for ``test_cfg.output='teacher'``),
    else its logits resized as mmseg does, then :func:`logits_to_probability`."""
    own = getattr(net, 'probability', None)
    if callable(own):
        return own(normalised)
    logits = F.interpolate(net(normalised, mode='tensor'), size=normalised.shape[-2:],
                           mode='bilinear', align_corners=align_corners)
    return logits_to_probability(logits)


def change_threshold(model: nn.Module) -> float:
    """The probability above which a pixel is changed, looked up on ``export_module(model)``: its
    own ``threshold`` attribute (e.g. ``CAMDistillationDetector``), else a single-logit decode
    head's ``threshold`` (as mmseg post-processing uses it), else 0.5 (argmax of two classes)."""
    net = export_module(model)
    own = getattr(net, 'threshold', None)
    if own is not None:
        return float(own)
    head = getattr(net, 'decode_head', None)
    if head is not None and getattr(head, 'out_channels', 2) == 1:
        return float(head.threshold)
    return DEFAULT_THRESHOLD
