from typing import Any, Dict, Optional, Sequence, Union

from mmseg.models.data_preprocessor import SegDataPreProcessor

from cdkd.registry import MODELS

Stats = Union[Sequence[float], Sequence[Sequence[float]]]


def expand_band_stats(stats: Optional[Stats], temporal_bands: Optional[Sequence[int]],
                      name: str) -> Optional[list]:
    """Flatten per-date statistics into one value per stacked channel.

    ``stats`` is either one list per date (``[[m1, m2, m3], [m1]]``), one flat list covering every
    stacked channel, or one list for a single date that is repeated for every date of equal width.
    """
    if stats is None:
        return None
    if all(isinstance(s, (list, tuple)) for s in stats):
        if temporal_bands is not None and [len(s) for s in stats] != list(temporal_bands):
            raise ValueError(f'{name} gives {[len(s) for s in stats]} values per date but '
                             f'temporal_bands is {list(temporal_bands)}')
        return [float(v) for s in stats for v in s]
    flat = [float(v) for v in stats]
    if temporal_bands is None or len(flat) == sum(temporal_bands):
        return flat
    if all(b == len(flat) for b in temporal_bands):
        return flat * len(temporal_bands)
    raise ValueError(f'{name} has {len(flat)} values, which fits neither one date nor all '
                     f'{sum(temporal_bands)} stacked channels of temporal_bands={list(temporal_bands)}')


@MODELS.register_module()
class ChangeDataPreProcessor(SegDataPreProcessor):
    """mmseg's ``SegDataPreProcessor`` for channel-stacked temporal images.

    It normalises every band of every date with its own mean/std (any band count, e.g. RGB + 1-band
    SAR) and pads/stacks the batch as mmseg does. BGR/RGB conversion is not offered: cdkd loads
    bands in file order, and swapping the first three of a stacked tensor would be wrong.

    Args:
        mean, std: per-date lists, a flat list over all stacked channels, or one date's list that
            is repeated for every date (see :func:`expand_band_stats`).
        temporal_bands: band count of each date; enables the per-date forms and the channel check.
    """

    def __init__(self,
                 mean: Optional[Stats] = None,
                 std: Optional[Stats] = None,
                 temporal_bands: Optional[Sequence[int]] = None,
                 **kwargs):
        for key in ('bgr_to_rgb', 'rgb_to_bgr'):
            if kwargs.pop(key, False):
                raise ValueError(f'{key} is not supported for stacked temporal images')
        self.temporal_bands = tuple(temporal_bands) if temporal_bands is not None else None
        super().__init__(
            mean=expand_band_stats(mean, self.temporal_bands, 'mean'),
            std=expand_band_stats(std, self.temporal_bands, 'std'),
            **kwargs)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        expected = sum(self.temporal_bands) if self.temporal_bands is not None else (
            self.mean.numel() if self._enable_normalize else None)
        if expected is not None:
            for i, item in enumerate(data['inputs']):
                if item.shape[0] != expected:
                    samples = data.get('data_samples')
                    where = samples[i].metainfo.get('img_paths', '?') if samples else f'item {i}'
                    raise ValueError(
                        f'input {where} has {item.shape[0]} stacked bands, the preprocessor expects '
                        f'{expected} (temporal_bands={self.temporal_bands}); check the images and '
                        'the config')
        return super().forward(data, training)
