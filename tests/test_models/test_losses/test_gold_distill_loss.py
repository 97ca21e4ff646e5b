import math

import pytest
import torch
import torch.nn.functional as F

from cdkd.models.losses import (AttentionTransferLoss, GOLDDistillLoss, difference_map,
                                distill_alpha, feature_loss, label_feature_mask,
                                normalize_saliency, parameter_free_attention,
                                region_feature_loss, region_mask, soft_label_kl, teacher_quality)


def feats(c=32, seed=0, n=2, hw=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, hw, hw, generator=g)


def test_official_difference_map_by_hand():
    f1 = torch.tensor([[[[1.0, 1.0]], [[0.0, 0.0]]]])  # pixels (1, 0) and (1, 0)
    f2 = torch.tensor([[[[1.0, 0.0]], [[0.0, 2.0]]]])  # pixels (1, 0) and (0, 2)
    d_same = math.sqrt(1e-6) / 2  # L2 ~ 0, cosine distance 0
    d_other = (math.sqrt(5.0 + 1e-6) + 1.0) / 2  # L2 sqrt(5), orthogonal: cosine distance 1
    expected = torch.tensor([d_same, d_other]) / (d_other + 1e-6)
    d = difference_map(f1, f2)
    assert d.shape == (1, 1, 1, 2)
    assert torch.allclose(d.flatten(), expected, atol=1e-6)
    big = difference_map(feats() * 10, feats(seed=1) * 10)
    assert big.amax() == pytest.approx(1.0, abs=1e-5) and big.amin() >= 0


def test_pseudocode_difference_map_saturates():
    d = difference_map(feats(), feats(seed=1), 'pseudocode')
    assert d.shape == (2, 2, 8, 8)  # 32 channels in groups of 16
    assert d.min() > 0.99 and d.max() <= 1.0  # tanh of D_L2 >> 1: saturated, flat
    same = difference_map(feats(), feats(), 'pseudocode')
    assert torch.allclose(same, torch.tanh(torch.tensor(1e-3)) * 0.5 + 0.5, atol=1e-4)
    with pytest.raises(ValueError, match='unknown difference map'):
        difference_map(feats(), feats(), 'l1')


def test_parameter_free_attention_by_hand():
    x = torch.tensor([[[[1.0, 3.0]], [[-1.0, 0.0]]]])  # (1, 2, 1, 2)
    maps = parameter_free_attention(x)
    assert torch.allclose(maps['channel'], torch.sigmoid(torch.tensor([[(2.0 + 3.0) / 2,
                                                                         (-0.5 + 0.0) / 2]])))
    assert torch.allclose(maps['spatial'], torch.sigmoid(torch.tensor([[[[0.0 + 1.0,
                                                                          1.5 + 3.0]]]])))


def test_label_weighted_feature_loss_by_hand():
    s = torch.ones(1, 1, 1, 3, requires_grad=True)
    t = torch.zeros(1, 1, 1, 3, requires_grad=True)
    gt = torch.tensor([[[1, 0, 255]]])
    mask = label_feature_mask(gt, (1, 3))
    assert mask.flatten().tolist() == [4.0, 0.5, 0.0]
    # MSE((4, 0.5, 0)^2 / 3), GAP vectors (1) and (0): cosine 0
    loss = feature_loss(s, t, mask)
    assert loss.item() == pytest.approx(0.7 * (16 + 0.25) / 3 + 0.3 * 1.0, rel=1e-5)
    loss.backward()
    assert t.grad is not None and t.grad.abs().sum() > 0  # official: teacher not detached
    assert label_feature_mask(torch.ones(1, 4, 4, dtype=torch.long), (2, 2)).eq(4.0).all()


def test_kl_at_t2_averaged_over_elements_as_official():
    s, t = torch.randn(2, 2, 4, 4), torch.randn(2, 2, 4, 4)
    official = F.kl_div(F.log_softmax(s / 2, 1), F.softmax(t / 2, 1), reduction='mean') * 4
    assert soft_label_kl(s, t, 2.0).item() == pytest.approx(official.item(), rel=1e-5)
    assert soft_label_kl(s, t, 2.0, reduction='pixel').item() == pytest.approx(
        2 * official.item(), rel=1e-5)
    assert GOLDDistillLoss().temperature == 2.0


@pytest.mark.parametrize('channels', [1, 2])
def test_soft_label_kl_zero_equal_positive_otherwise(channels):
    s = torch.randn(2, channels, 4, 4, requires_grad=True)
    assert soft_label_kl(s, s.detach().clone(), 4.0).abs() < 1e-6
    t = torch.randn(2, channels, 4, 4, requires_grad=True)
    loss = soft_label_kl(s, t, 4.0)
    assert loss > 0
    loss.backward()
    assert s.grad.abs().sum() > 0 and t.grad is None


def test_bernoulli_kl_value_and_temperature_scaling():
    s, t = torch.full((1, 1, 1, 1), 0.0), torch.full((1, 1, 1, 1), 2.0)
    pt = torch.sigmoid(torch.tensor(1.0))  # logits / T with T = 2
    expected = (pt * torch.log(pt / 0.5) + (1 - pt) * torch.log((1 - pt) / 0.5)) * 4
    assert torch.allclose(soft_label_kl(s, t, 2.0), expected)


def test_region_mask_and_region_feature_loss():
    d = torch.zeros(1, 2, 8, 8)
    d[..., 2:4, 2:4] = 5.0  # one strongly changed block
    mask = region_mask(d)
    assert mask.shape == (1, 1, 8, 8)
    assert mask[0, 0, 2:4, 2:4].eq(1).all() and mask.sum() == 4
    s = feats(c=4, n=1).requires_grad_()
    t = s.detach() + 1.0
    loss = region_feature_loss(s, t, d)
    expected = 2 * (mask**2).mean() + 0.5 * ((1 - mask)**2).mean()
    assert torch.allclose(loss, expected, atol=1e-6)


def test_teacher_quality_mask_and_alpha_schedule():
    logits = torch.tensor([[[[3.0, -3.0, 3.0, 0.0]]]])
    gt = torch.tensor([[[1, 0, 0, 255]]])
    p = torch.sigmoid(torch.tensor(3.0))
    assert torch.allclose(teacher_quality(logits, gt), torch.tensor([[[p, p, 0.0, 0.0]]]))
    assert distill_alpha(10) is None and distill_alpha(11) == pytest.approx(0.41)
    assert distill_alpha(100) == pytest.approx(0.6)


def test_attention_transfer_normalisation_and_detach_option():
    x = torch.rand(2, 1, 4, 4) * 3 + 1
    n = normalize_saliency(x, 'minmax')
    assert torch.allclose(n.flatten(1).amax(1), torch.ones(2), atol=1e-5)
    s = dict(channel=torch.rand(2, 4), spatial=torch.rand(2, 1, 4, 4))
    t = {k: torch.rand_like(v, requires_grad=True) for k, v in s.items()}
    diff_t = torch.rand(2, 1, 4, 4, requires_grad=True)
    terms = AttentionTransferLoss(normalize=None, detach_teacher=False)(x, diff_t, s, t)
    sum(terms.values()).backward()
    assert diff_t.grad is not None and t['spatial'].grad is not None
    terms = AttentionTransferLoss()(x, diff_t.detach().requires_grad_(), s, t)
    assert not any(v.requires_grad for v in terms.values())
    with pytest.raises(ValueError, match='unknown saliency normalisation'):
        AttentionTransferLoss(normalize='l2')


def official_inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    fs = torch.randn(2, 8, 4, 4, generator=g, requires_grad=True)
    ft = torch.randn(2, 8, 4, 4, generator=g, requires_grad=True)
    ls, lt = torch.randn(2, 2, 16, 16, generator=g), torch.randn(2, 2, 16, 16, generator=g)
    gt = (torch.rand(2, 16, 16, generator=g) > 0.5).long()
    d1, d2, d3 = (torch.randn(2, 4, 4, 4, generator=g) for _ in range(3))
    return fs, ft, ls, lt, gt, (d1, d2), (d1, d3)


def test_official_terms_and_their_weights():
    fs, ft, ls, lt, gt, temp_s, temp_t = official_inputs()
    terms = GOLDDistillLoss()(fs, ft, ls, lt, gt, temp_s, temp_t)
    mask = label_feature_mask(gt, (4, 4))
    assert torch.allclose(terms['feat'], feature_loss(fs, ft, mask))
    assert torch.allclose(terms['out'], soft_label_kl(ls, lt, 2.0))
    maps_s, maps_t = parameter_free_attention(fs), parameter_free_attention(ft)
    assert torch.allclose(terms['att_spatial'], F.mse_loss(maps_s['spatial'], maps_t['spatial']))
    assert torch.allclose(terms['att_diff'], F.mse_loss(difference_map(*temp_s),
                                                        difference_map(*temp_t)))
    assert torch.allclose(terms['distill'], 0.7 * terms['feat'] + 0.3 * terms['out'])
    assert torch.allclose(terms['attention'], 0.5 * terms['att_diff'] +
                          0.3 * terms['att_channel'] + 0.2 * terms['att_spatial'])
    (terms['distill'] + terms['attention']).backward()
    assert ft.grad.abs().sum() > 0  # official: the feature/attention MSEs pull on the teacher


def test_detach_teacher_option_and_zero_when_equal():
    fs, ft, ls, lt, gt, temp_s, temp_t = official_inputs()
    terms = GOLDDistillLoss(detach_teacher=True)(fs, ft, ls, lt, gt, temp_s, temp_t)
    (terms['distill'] + terms['attention']).backward()
    assert ft.grad is None and fs.grad.abs().sum() > 0
    same = GOLDDistillLoss()(fs, fs.detach(), ls, ls, gt, temp_s, temp_s)
    assert same['distill'] < 0.01 and same['attention'] == 0
    with pytest.raises(ValueError, match="attention_maps='learned'"):
        GOLDDistillLoss(attention_maps='learned')(fs, ft, ls, lt, gt, temp_s, temp_t)
    with pytest.raises(ValueError, match='unknown kl_reduction'):
        GOLDDistillLoss(kl_reduction='batchmean')


def test_pseudocode_profile_weights_before_and_after_epoch_10():
    fs, ft, ls, lt, gt, temp_s, temp_t = official_inputs()
    loss = GOLDDistillLoss(weights=(0.3, 0.4, 0.3), alpha_start_epoch=10)
    early = loss(fs, ft, ls, lt, gt, temp_s, temp_t, epoch=5)
    assert torch.allclose(early['distill'], 0.3 * early['feat'] + 0.4 * early['out'])
    late = loss(fs, ft, ls, lt, gt, temp_s, temp_t, epoch=20)
    assert torch.allclose(late['distill'], 0.5 * late['feat'] + 0.5 * late['out'])
    region = GOLDDistillLoss(feature_loss_type='region', difference_map='pseudocode')(
        fs, ft, ls, lt, gt, (feats(c=16, hw=4), feats(c=16, seed=1, hw=4)),
        (feats(c=16, hw=4), feats(c=16, seed=2, hw=4)))
    assert torch.isfinite(region['distill'])
