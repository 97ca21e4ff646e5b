"""TinyCD's fusion of the two dates: mixing blocks with attention masks at every level."""
from typing import List, Sequence

from torch import Tensor, nn

from cdkd.models.layers.tinycd_blocks import MixingBlock, MixingMaskAttentionBlock
from cdkd.registry import MODELS


@MODELS.register_module()
class TinyCDMixingNeck(nn.Module):
    """Fuses per-date levels ``(img, f1, ..., fk)`` (level 0 are the images themselves, as the
    ``TinyCD`` detector passes them) into ``[mask_0, ..., mask_{k-1}, mixed_k]``: a one-channel
    attention mask from every level but the deepest (``MixingMaskAttentionBlock``) and the mixed
    deepest features (``MixingBlock``), as TinyCD's ``_encode``.

    Args:
        in_channels: channels of each level of one date, e.g. ``[3, 16, 24, 32]``.
        mask_hidden: hidden widths of each mask MLP (one tuple per level but the deepest). The
            official EfficientNet-b4 widths (3, 24, 32) use (10, 5), (12, 6), (16, 8).
    """

    def __init__(self, in_channels: Sequence[int], mask_hidden: Sequence[Sequence[int]]):
        super().__init__()
        if len(mask_hidden) != len(in_channels) - 1:
            raise ValueError(f'mask_hidden needs one entry per level but the deepest: '
                             f'{len(in_channels) - 1}, got {len(mask_hidden)}')
        self.masks = nn.ModuleList([MixingMaskAttentionBlock(c, h)
                                    for c, h in zip(in_channels[:-1], mask_hidden)])
        self.mix = MixingBlock(in_channels[-1])

    def forward(self, feats1: Sequence[Tensor], feats2: Sequence[Tensor]) -> List[Tensor]:
        if len(feats1) != len(self.masks) + 1 or len(feats2) != len(feats1):
            raise ValueError(f'TinyCDMixingNeck expects {len(self.masks) + 1} levels per date, '
                             f'got {len(feats1)} and {len(feats2)}')
        out = [m(x, y) for m, x, y in zip(self.masks, feats1, feats2)]
        return out + [self.mix(feats1[-1], feats2[-1])]
