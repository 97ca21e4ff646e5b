from typing import List, Optional, Sequence

import torch
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor

from cdkd.registry import MODELS


@MODELS.register_module()
class SiameseEncoderDecoder(EncoderDecoder):
    """Siamese (or pseudo-Siamese) encoder-decoder change detector.

    The inputs are the temporal images stacked along channels, ``(N, sum(temporal_bands), H, W)``, as
    the data preprocessor packs them. Each temporal image goes through the encoder (shared weights,
    or a separate ``backbone_t2`` for heterogeneous pairs such as optical/SAR), the ``neck`` fuses the
    per-level features (concat / diff / abs-diff) and an mmseg decode head predicts the change map.
    Everything downstream of ``extract_feat`` (slide/whole inference, losses, single-logit sigmoid or
    2-class softmax post-processing) is mmseg's ``EncoderDecoder``.

    Args:
        temporal_bands: number of bands of each temporal image, in input order, e.g. ``(3, 3)`` or
            ``(3, 1)`` for optical t1 + single-band SAR t2.
        backbone_t2: optional separate encoder for the second image (pseudo-Siamese).
        stack_dates: run a shared encoder once on the date-stacked batch (default), or once per
            date (False), so that batch-norm statistics in training are per date, as in networks
            that call their encoder twice (SEIFNet).
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: dict,
                 temporal_bands: Sequence[int] = (3, 3),
                 backbone_t2: Optional[dict] = None,
                 stack_dates: bool = True,
                 **kwargs):
        super().__init__(backbone=backbone, decode_head=decode_head, neck=neck, **kwargs)
        # mmseg reads test_cfg by attribute; plain dicts come from Python (non-config) callers.
        self.test_cfg = ConfigDict(self.test_cfg or dict(mode='whole'))
        if len(temporal_bands) != 2:
            raise ValueError(f'temporal_bands must give two band counts (t1, t2), got {temporal_bands}')
        self.temporal_bands = tuple(int(b) for b in temporal_bands)
        self.backbone_t2 = MODELS.build(backbone_t2) if backbone_t2 is not None else None
        self.stack_dates = stack_dates
        if self.backbone_t2 is None and self.temporal_bands[0] != self.temporal_bands[1]:
            raise ValueError(
                f'temporal_bands={self.temporal_bands} differ, so a shared encoder cannot take both '
                'images; give backbone_t2 with in_channels matching the second image')

    def split_temporal(self, inputs: Tensor) -> List[Tensor]:
        """Split channel-stacked inputs into the per-date images."""
        if inputs.shape[1] != sum(self.temporal_bands):
            raise ValueError(
                f'inputs have {inputs.shape[1]} channels but temporal_bands={self.temporal_bands} '
                f'expects {sum(self.temporal_bands)}; check the dataset bands and the model config')
        return list(torch.split(inputs, self.temporal_bands, dim=1))

    def extract_temporal_feats(self, inputs: Tensor):
        """Multi-level features of each date, ``(feats_t1, feats_t2)``, before fusion."""
        img1, img2 = self.split_temporal(inputs)
        if self.backbone_t2 is not None:
            return self.backbone(img1), self.backbone_t2(img2)
        if not self.stack_dates:
            return self.backbone(img1), self.backbone(img2)
        # One call on the date-stacked batch: same weights, half the kernel launches.
        feats = self.backbone(torch.cat([img1, img2], dim=0))
        n = img1.shape[0]
        return tuple(f[:n] for f in feats), tuple(f[n:] for f in feats)

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        feats1, feats2 = self.extract_temporal_feats(inputs)
        return self.neck(feats1, feats2)

    def export_module(self) -> torch.nn.Module:
        """The module that predicts at test time (see ``cdkd.apis.ChangeProbabilityNet``): this
        detector itself. Distillation models override it to return their student."""
        return self
