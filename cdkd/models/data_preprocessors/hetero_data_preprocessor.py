from typing import Any, Dict, Optional, Sequence

import torch

from cdkd.registry import MODELS
from .change_data_preprocessor import ChangeDataPreProcessor


@MODELS.register_module()
class HeteroChangeDataPreProcessor(ChangeDataPreProcessor):
    """``ChangeDataPreProcessor`` whose trailing dates may be absent.

    GOLD trains on ``[A, B, C]`` (optical t1, SAR t2, optical t2) but validates and deploys on
    ``[A, B]`` only; ``temporal_bands`` lists all dates and a batch may hold the first
    ``min_dates`` or more of them, normalised with those dates' statistics.

    ``band_repeats`` (one factor per date) repeats a date's bands before normalisation, e.g.
    ``(1, 3, 1)`` with ``temporal_bands=(3, 3, 3)`` reads a 1-band SAR t2 as three equal bands
    (as the official GOLD dataset reads its SAR PNGs, to use ImageNet statistics and weights);
    ``temporal_bands`` counts the bands after repeating.
    """

    def __init__(self, *args, min_dates: int = 2,
                 band_repeats: Optional[Sequence[int]] = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.temporal_bands is None:
            raise ValueError('HeteroChangeDataPreProcessor needs temporal_bands')
        self.min_dates = min_dates
        self.band_repeats = None if band_repeats is None else tuple(int(r) for r in band_repeats)
        if self.band_repeats is not None and (
                len(self.band_repeats) != len(self.temporal_bands) or
                any(r < 1 or b % r for b, r in zip(self.temporal_bands, self.band_repeats))):
            raise ValueError(f'band_repeats={band_repeats} must give one factor >= 1 per date '
                             f'that divides its band count (temporal_bands={self.temporal_bands})')

    def repeat_bands(self, item: torch.Tensor) -> torch.Tensor:
        """Repeat each date's bands of one ``(C, H, W)`` sample by ``band_repeats``."""
        raw = [b // r for b, r in zip(self.temporal_bands, self.band_repeats)]
        n = {sum(raw[:k]): k for k in range(self.min_dates, len(raw) + 1)}.get(item.shape[0])
        if n is None:
            raise ValueError(f'a sample has {item.shape[0]} stacked bands; before band_repeats='
                             f'{self.band_repeats} the dates have {raw} bands')
        parts = torch.split(item, raw[:n], dim=0)
        return torch.cat([p.repeat(r, 1, 1) for p, r in zip(parts, self.band_repeats)], dim=0)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        if self.band_repeats is not None:
            data = dict(data, inputs=[self.repeat_bands(x) for x in data['inputs']])
        bands = self.temporal_bands
        widths = {sum(bands[:k]): k for k in range(self.min_dates, len(bands) + 1)}
        channels = {int(item.shape[0]) for item in data['inputs']}
        if len(channels) != 1 or next(iter(channels)) not in widths:
            raise ValueError(
                f'inputs have {sorted(channels)} stacked bands; temporal_bands={bands} allows '
                f'{sorted(widths)} (the first {self.min_dates} or more dates, one width per batch)')
        n = next(iter(channels))
        if n == sum(bands):
            return super().forward(data, training)
        full = (self.temporal_bands, self.mean, self.std)
        try:  # normalise with the statistics of the dates present
            self.temporal_bands = bands[:widths[n]]
            if self._enable_normalize:
                self.mean, self.std = full[1][:n], full[2][:n]
            return super().forward(data, training)
        finally:
            self.temporal_bands = full[0]
            if self._enable_normalize:
                self.mean, self.std = full[1], full[2]
