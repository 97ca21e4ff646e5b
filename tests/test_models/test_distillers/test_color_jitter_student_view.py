"""ColorJitterBlurStudentView: B only, the official clipping in normalised space, the image-space
variant, per-batch vs per-sample draws."""
import pytest
import torch

from cdkd.models.distillers import ColorJitterBlurStudentView

MEAN = torch.full((6, 1, 1), 127.5)
STD = torch.full((6, 1, 1), 127.5)


def batch(n=3, size=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    img = torch.randint(0, 256, (n, 6, size, size), generator=g).float()
    return (img - MEAN) / STD  # mean/std 0.5 on [0, 1]: values in [-1, 1]


def test_changes_b_only_and_not_in_place():
    x = batch()
    x0 = x.clone()
    torch.manual_seed(0)
    out = ColorJitterBlurStudentView()(x, (3, 3), MEAN, STD)
    torch.testing.assert_close(x, x0, rtol=0, atol=0)
    torch.testing.assert_close(out[:, :3], x[:, :3], rtol=0, atol=0)
    assert not torch.allclose(out[:, 3:], x[:, 3:])


def test_official_space_clips_everything_below_the_mean():
    x = batch()
    assert (x[:, 3:] < 0).float().mean() > 0.4
    for seed in range(5):
        torch.manual_seed(seed)
        out = ColorJitterBlurStudentView()(x, (3, 3), MEAN, STD)
        assert out[:, 3:].min() >= 0  # nothing below the mean survives (blur keeps it >= 0)


def test_image_space_keeps_dark_values_and_the_scale():
    x = batch()
    torch.manual_seed(0)
    out = ColorJitterBlurStudentView(space='image')(x, (3, 3), MEAN, STD)
    assert (out[:, 3:] < -0.5).any()
    assert out[:, 3:].min() >= -1 - 1e-5 and out[:, 3:].max() <= 1 + 1e-5
    # same draws on the [0, 1] image by hand
    torch.manual_seed(0)
    view = ColorJitterBlurStudentView()
    expected = (view.perturb((x[:, 3:] * 127.5 + 127.5) / 255) * 255 - 127.5) / 127.5
    torch.testing.assert_close(out[:, 3:], expected, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match='mean and std'):
        ColorJitterBlurStudentView(space='image')(x, (3, 3))


def test_one_draw_per_batch_by_default_and_per_sample_on_request():
    x = batch(n=2)
    x[1] = x[0]
    for per_sample, same in ((False, True), (True, False)):
        torch.manual_seed(1)
        out = ColorJitterBlurStudentView(per_sample=per_sample)(x, (3, 3), MEAN, STD)
        assert torch.allclose(out[0], out[1]) == same


def test_seeded_draws_repeat():
    x = batch()
    outs = []
    for _ in range(2):
        torch.manual_seed(5)
        outs.append(ColorJitterBlurStudentView()(x, (3, 3), MEAN, STD))
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=0)


def test_bad_configs():
    with pytest.raises(ValueError, match='space'):
        ColorJitterBlurStudentView(space='hsv')
    with pytest.raises(ValueError, match='kernel_size'):
        ColorJitterBlurStudentView(kernel_size=4)
    with pytest.raises(ValueError, match='sigma'):
        ColorJitterBlurStudentView(sigma=(2.0, 1.0))
    with pytest.raises(ValueError, match='RGB'):
        ColorJitterBlurStudentView()(torch.zeros(1, 4, 8, 8), (3, 1))
