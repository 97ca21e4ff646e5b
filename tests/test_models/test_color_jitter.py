"""cdkd's ColorJitter/GaussianBlur arithmetic against torchvision's own code on known tensors."""
import pytest
import torch

from cdkd.models.utils import color_jitter as cj

from .torchvision_oracle import functional_tensor, torchvision_transforms


@pytest.fixture(scope='module')
def F_t(tmp_path_factory):
    return functional_tensor(tmp_path_factory.mktemp('torchvision'))


def known(normalized):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 9, 11, generator=g)
    x[0, :, 0, 0] = 0.25  # a grey pixel (max == min)
    x[1, 0, 1, 1] = x[1, 1, 1, 1]  # a tie between r and g
    return x * 2 - 1 if normalized else x


@pytest.mark.parametrize('normalized', [False, True])
@pytest.mark.parametrize('op, factor', [('brightness', 1.3), ('brightness', 0.6),
                                        ('contrast', 1.4), ('contrast', 0.7),
                                        ('saturation', 1.35), ('saturation', 0.6),
                                        ('hue', 0.08), ('hue', -0.1)])
def test_colour_ops_match_torchvision(F_t, op, factor, normalized):
    x = known(normalized)
    ours = getattr(cj, f'adjust_{op}')(x, factor)
    theirs = getattr(F_t, f'adjust_{op}')(x, factor)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize('sigma', [0.1, 0.73, 2.0])
def test_gaussian_blur_matches_torchvision(F_t, sigma):
    x = known(True)
    torch.testing.assert_close(cj.gaussian_blur(x, (3, 3), (sigma, sigma)),
                               F_t.gaussian_blur(x, [3, 3], [sigma, sigma]), rtol=0, atol=1e-6)


def test_normalised_input_is_clipped_below_the_mean(F_t):
    """The official student view's slip: on a [-1, 1] tensor the [0, 1] clamp zeroes every value
    below the mean (0), for each blend op, exactly as torchvision does."""
    x = known(True)
    for op in ('brightness', 'contrast', 'saturation'):
        out = getattr(cj, f'adjust_{op}')(x, 1.0 + 1e-6)
        assert out.min() == 0 and (out == 0).sum() >= (x < -1e-3).sum()
        torch.testing.assert_close(out, getattr(F_t, f'adjust_{op}')(x, 1.0 + 1e-6))


def test_params_follow_torchvisions_draw_order():
    """Same generator state -> same permutation and factors as ColorJitter.get_params."""
    ranges = ((0.6, 1.4), (0.6, 1.4), (0.6, 1.4), (-0.1, 0.1))
    torch.manual_seed(7)
    ours = cj.color_jitter_params(*ranges)
    torch.manual_seed(7)
    order = torch.randperm(4).tolist()
    factors = [float(torch.empty(1).uniform_(lo, hi)) for lo, hi in ranges]
    assert ours == (order, *factors)
    T = torchvision_transforms()
    if T is not None:
        torch.manual_seed(7)
        fn_idx, *tv = T.ColorJitter.get_params(*ranges)
        assert ours == (fn_idx.tolist(), *tv)


def test_whole_view_matches_torchvision_colorjitter_then_blur(F_t):
    """The official ``strong_argument`` (ColorJitter then GaussianBlur) with torchvision's classes
    where importable, else its functional ops in ColorJitter.forward's order."""
    from cdkd.models.distillers import ColorJitterBlurStudentView
    view = ColorJitterBlurStudentView()
    x = known(True)
    T = torchvision_transforms()
    for seed in range(6):
        torch.manual_seed(seed)
        ours = view.perturb(x)
        torch.manual_seed(seed)
        if T is not None:
            theirs = T.GaussianBlur((3, 3), (0.1, 2.0))(T.ColorJitter(0.4, 0.4, 0.4, 0.1)(x))
        else:
            order = torch.randperm(4).tolist()
            factors = [float(torch.empty(1).uniform_(lo, hi))
                       for lo, hi in ((0.6, 1.4), (0.6, 1.4), (0.6, 1.4), (-0.1, 0.1))]
            ops = (F_t.adjust_brightness, F_t.adjust_contrast, F_t.adjust_saturation,
                   F_t.adjust_hue)
            theirs = x
            for i in order:
                theirs = ops[i](theirs, factors[i])
            s = torch.empty(1).uniform_(0.1, 2.0).item()
            theirs = F_t.gaussian_blur(theirs, [3, 3], [s, s])
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_jitter_range_checks():
    assert cj.jitter_range(0.4, 'b') == (0.6, 1.4)
    assert cj.jitter_range(1.5, 'b') == (0.0, 2.5)
    assert cj.jitter_range(0.1, 'h', center=0.0, bound=(-0.5, 0.5)) == (-0.1, 0.1)
    assert cj.jitter_range(0, 'b') is None
    with pytest.raises(ValueError, match='non-negative'):
        cj.jitter_range(-1, 'b')
    with pytest.raises(ValueError, match='hue'):
        cj.jitter_range(0.7, 'hue', center=0.0, bound=(-0.5, 0.5))
