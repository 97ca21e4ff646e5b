import pytest
import torch

from cdkd.models.losses import (AttentionTransferLoss, GOLDDistillLoss, difference_map,
                                distill_alpha, feature_loss, normalize_saliency,
                                region_feature_loss, region_mask, soft_label_kl, teacher_quality)


def feats(c=32, seed=0, n=2, hw=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, hw, hw, generator=g)


def attention(seed, c=32):
    g = torch.Generator().manual_seed(seed)
    return dict(channel=torch.rand(2, c, generator=g), spatial=torch.rand(2, 1, 8, 8, generator=g))


def test_difference_map_range_groups_and_identity():
    f1, f2 = feats(seed=0), feats(seed=1)
    d = difference_map(f1, f2, group_size=16)
    assert d.shape == (2, 2, 8, 8)  # 32 channels -> 2 groups of 16
    assert d.min() >= 0.5 and d.max() <= 1.0  # tanh saturates to 1 in float32 for large distances
    small = difference_map(f1 * 0.01, f2 * 0.01)
    assert small.min() > 0.5 and small.max() < 1.0
    assert difference_map(feats(c=16), feats(c=16, seed=3)).shape == (2, 1, 8, 8)
    same = difference_map(f1, f1)
    # identical features: D_L2 = sqrt(eps), D_cos = 0 -> tanh(sqrt(eps)) * 0.5 + 0.5
    assert torch.allclose(same, torch.full_like(same, 0.5), atol=1e-3)
    raw = difference_map(f1, f2, raw=True)
    assert torch.allclose(torch.tanh(raw) * 0.5 + 0.5, d)


def test_feature_loss_zero_for_equal_and_teacher_detached():
    s = feats().requires_grad_()
    assert feature_loss(s, s.detach().clone()).abs() < 1e-6
    t = feats(seed=1).requires_grad_()
    loss = feature_loss(s, t)
    mse = ((s - t) ** 2).mean()
    cos = torch.nn.functional.cosine_similarity(s.flatten(1), t.flatten(1)).mean()
    assert torch.allclose(loss, 0.7 * mse + 0.3 * (1 - cos))
    loss.backward()
    assert s.grad.abs().sum() > 0 and t.grad is None


def test_region_mask_and_region_feature_loss():
    d = torch.zeros(1, 2, 8, 8)
    d[..., 2:4, 2:4] = 5.0  # one strongly changed block
    mask = region_mask(d)
    assert mask.shape == (1, 1, 8, 8)
    assert mask[0, 0, 2:4, 2:4].eq(1).all() and mask.sum() == 4
    s = feats(c=4, n=1).requires_grad_()
    t = s.detach() + 1.0
    loss = region_feature_loss(s, t, d)
    expected = 2 * ((mask) ** 2).mean() * 1 + 0.5 * ((1 - mask) ** 2).mean()
    assert torch.allclose(loss, expected.expand(1).squeeze(), atol=1e-6)
    assert region_feature_loss(s, s.detach(), d) == 0


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


def test_teacher_quality_mask():
    logits = torch.tensor([[[[3.0, -3.0, 3.0, 0.0]]]])  # single logit, (1, 1, 1, 4)
    gt = torch.tensor([[[1, 0, 0, 255]]])
    q = teacher_quality(logits, gt)
    p = torch.sigmoid(torch.tensor(3.0))
    assert torch.allclose(q, torch.tensor([[[p, p, 0.0, 0.0]]]))
    two = torch.stack([-logits[:, 0], logits[:, 0]], dim=1) / 2  # softmax equivalent
    assert torch.allclose(teacher_quality(two, gt), q)


def test_distill_alpha_schedule():
    assert distill_alpha(0) is None and distill_alpha(10) is None
    assert distill_alpha(11) == pytest.approx(0.41)
    assert distill_alpha(30) == pytest.approx(0.6) and distill_alpha(100) == pytest.approx(0.6)


def test_attention_transfer_normalisation_and_zero():
    x = torch.rand(2, 1, 4, 4) * 3 + 1
    n = normalize_saliency(x, 'minmax')
    assert torch.allclose(n.flatten(1).amin(1), torch.zeros(2))
    assert torch.allclose(n.flatten(1).amax(1), torch.ones(2), atol=1e-5)
    assert torch.allclose(normalize_saliency(x, 'sum').flatten(1).sum(1), torch.ones(2))
    loss = AttentionTransferLoss()
    a = attention(0)
    d = torch.rand(2, 2, 8, 8)
    assert all(v == 0 for v in loss(d, d, a, a).values())
    s = {k: v.clone().requires_grad_() for k, v in attention(1).items()}
    t = {k: v.clone().requires_grad_() for k, v in a.items()}
    sum(loss(d, d, s, t).values()).backward()
    assert all(s[k].grad.abs().sum() > 0 and t[k].grad is None for k in s)
    with pytest.raises(ValueError, match='normalisation'):
        AttentionTransferLoss(normalize='softmax')


def _gold_inputs(seed_s, seed_t):
    f1 = feats(seed=9)
    fs, ft = feats(seed=seed_s), feats(seed=seed_t)
    ls, lt = torch.randn(2, 1, 16, 16), torch.randn(2, 1, 16, 16)
    if seed_s == seed_t:
        lt = ls.clone()
    gt = (torch.rand(2, 16, 16) > 0.5).long()
    return fs, ft, ls, lt, gt, (f1, fs), (f1, ft), attention(seed_s), attention(seed_t)


@pytest.mark.parametrize('variant', ['global', 'region'])
def test_gold_distill_loss_zero_when_teacher_equals_student(variant):
    loss = GOLDDistillLoss(feature_loss_type=variant)
    terms = loss(*_gold_inputs(3, 3))
    for k in ('feat', 'out', 'att', 'distill', 'attention'):
        assert terms[k].abs() < 1e-5, k


def test_gold_distill_loss_weights_before_and_after_epoch_10():
    loss = GOLDDistillLoss()
    args = _gold_inputs(1, 2)
    t = loss(*args, epoch=3)
    assert torch.allclose(t['distill'], 0.3 * t['feat'] + 0.4 * t['out'])
    assert torch.allclose(t['attention'], 0.3 * t['att'])
    assert torch.allclose(t['att'], 0.5 * t['att_diff'] + 0.3 * t['att_channel'] + 0.2 * t['att_spatial'])
    t = loss(*args, epoch=20)  # alpha = 0.5
    assert torch.allclose(t['distill'], 0.5 * t['feat'] + 0.5 * t['out'])
    assert torch.allclose(t['attention'], 0.5 * t['att'])
    assert loss(*args, with_attention=False)['attention'] == 0
    with pytest.raises(ValueError, match='feature_loss_type'):
        GOLDDistillLoss(feature_loss_type='local')
