import pytest
import torch

from cdkd.models.data_preprocessors import ChangeDataPreProcessor
from cdkd.models.data_preprocessors.change_data_preprocessor import expand_band_stats


def test_expand_band_stats_forms():
    assert expand_band_stats([1, 2, 3], (3, 3), 'mean') == [1, 2, 3, 1, 2, 3]
    assert expand_band_stats([[1, 2, 3], [9]], (3, 1), 'mean') == [1, 2, 3, 9]
    assert expand_band_stats([1, 2, 3, 4], (3, 1), 'mean') == [1, 2, 3, 4]
    with pytest.raises(ValueError, match='per date'):
        expand_band_stats([[1, 2, 3], [9, 9]], (3, 1), 'mean')
    with pytest.raises(ValueError, match='fits neither'):
        expand_band_stats([1, 2], (3, 1), 'std')


def test_per_band_normalisation_of_optical_and_sar():
    pre = ChangeDataPreProcessor(mean=[[10, 20, 30], [1000]], std=[[2, 2, 2], [500]],
                                 temporal_bands=(3, 1))
    x = torch.tensor([10., 20., 30., 2000.]).view(4, 1, 1).expand(4, 2, 2).clone()
    out = pre(dict(inputs=[x], data_samples=None), training=False)['inputs']
    assert torch.allclose(out[0, :, 0, 0], torch.tensor([0., 0., 0., 2.]))


def test_rejects_channel_swaps():
    with pytest.raises(ValueError, match='bgr_to_rgb'):
        ChangeDataPreProcessor(mean=[0] * 3, std=[1] * 3, temporal_bands=(3, 3), bgr_to_rgb=True)


def test_hetero_band_repeats_read_sar_as_three_bands():
    from cdkd.models.data_preprocessors import HeteroChangeDataPreProcessor
    imagenet = [[123.675, 116.28, 103.53], [58.395, 57.12, 57.375]]
    pre = HeteroChangeDataPreProcessor(temporal_bands=(3, 3, 3), band_repeats=(1, 3, 1),
                                       mean=[imagenet[0]] * 3, std=[imagenet[1]] * 3)
    a, b, c = (torch.full((n, 4, 4), v, dtype=torch.uint8) for n, v in ((3, 10), (1, 200), (3, 30)))
    for dates in ([a, b, c], [a, b]):
        out = pre(dict(inputs=[torch.cat(dates)]), False)['inputs']
        assert out.shape[1] == 3 * len(dates)
        sar = out[0, 3:6, 0, 0]
        expected = (200 - torch.tensor(imagenet[0])) / torch.tensor(imagenet[1])
        assert torch.allclose(sar, expected)
    with pytest.raises(ValueError, match='before band_repeats'):
        pre(dict(inputs=[torch.zeros(5, 4, 4, dtype=torch.uint8)]), False)
    with pytest.raises(ValueError, match='divides'):
        HeteroChangeDataPreProcessor(temporal_bands=(3, 3), band_repeats=(2, 1),
                                     mean=[0.0] * 6, std=[1.0] * 6)
