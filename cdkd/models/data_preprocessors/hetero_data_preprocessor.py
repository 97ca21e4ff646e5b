from typing import Any, Dict

from cdkd.registry import MODELS
from .change_data_preprocessor import ChangeDataPreProcessor


@MODELS.register_module()
class HeteroChangeDataPreProcessor(ChangeDataPreProcessor):
    """``ChangeDataPreProcessor`` whose trailing dates may be absent.

    GOLD trains on ``[A, B, C]`` (optical t1, SAR t2, optical t2) but validates and deploys on
    ``[A, B]`` only; ``temporal_bands`` lists all dates and a batch may hold the first
    ``min_dates`` or more of them, normalised with those dates' statistics.
    """

    def __init__(self, *args, min_dates: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        if self.temporal_bands is None:
            raise ValueError('HeteroChangeDataPreProcessor needs temporal_bands')
        self.min_dates = min_dates

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
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
