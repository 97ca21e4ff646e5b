"""STKDNet's BCE-Dice and hard-teacher-target losses against hand computations."""
import math

import pytest
import torch

from cdkd.registry import MODELS

LOGITS = torch.tensor([[[[0.0, 2.0]], [[1.0, -1.0]]]])  # (1, 2, 1, 2)
TARGET = torch.tensor([[[0, 1]]])  # (1, 1, 2): one-hot ch0 [1, 0], ch1 [0, 1]


def softplus(v):
    return math.log1p(math.exp(v))


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def hand_bce_dice():
    # BCE with logits: -y log s(x) - (1 - y) log(1 - s(x)) = softplus(x) - y x
    bce = (softplus(0) - 0 + softplus(2) + softplus(1) + softplus(-1) + 1) / 4
    p = [sigmoid(0), sigmoid(2), sigmoid(1), sigmoid(-1)]
    t = [1, 0, 0, 1]
    inter = sum(a * b for a, b in zip(p, t))
    dice = (2 * inter + 1e-5) / (sum(p) + sum(t) + 1e-5)
    return 0.75 * bce + 0.25 * (1 - dice)


def test_bce_dice_by_hand():
    loss = MODELS.build(dict(type='BCEDiceLoss'))
    assert loss.loss_name == 'loss_bce_dice'
    assert loss(LOGITS, TARGET).item() == pytest.approx(hand_bce_dice(), abs=1e-6)
    assert hand_bce_dice() == pytest.approx(1.18347, abs=1e-4)
    double = MODELS.build(dict(type='BCEDiceLoss', loss_weight=2.0))
    assert double(LOGITS, TARGET).item() == pytest.approx(2 * hand_bce_dice(), abs=1e-6)


def test_dice_is_per_sample_then_averaged():
    loss = MODELS.build(dict(type='BCEDiceLoss', bce_weight=0.0, dice_weight=1.0))
    other = torch.tensor([[[[3.0, -2.0]], [[-1.0, 0.5]]]])
    both = loss(torch.cat([LOGITS, other]), torch.cat([TARGET, TARGET]))
    mean = (loss(LOGITS, TARGET) + loss(other, TARGET)) / 2
    assert both.item() == pytest.approx(mean.item(), abs=1e-6)


def test_ignored_pixels_are_left_out():
    loss = MODELS.build(dict(type='BCEDiceLoss'))
    logits = torch.cat([LOGITS, torch.tensor([[[[5.0]], [[-7.0]]]])], dim=3)
    target = torch.tensor([[[0, 1, 255]]])
    assert loss(logits, target).item() == pytest.approx(hand_bce_dice(), abs=1e-6)
    with pytest.raises(ValueError, match='labels must lie'):
        loss(LOGITS, torch.tensor([[[0, 2]]]))


def test_hard_target_is_the_thresholded_mean_of_the_teacher_logits():
    teacher = torch.tensor([[[[0.2, 3.0]], [[0.6, -1.0]]]])
    # mean over channels: 0.4 (-> 0) and 1.0 (-> 1); the teacher's argmax would say (1, 0)
    hard = MODELS.build(dict(type='HardTargetBCEDiceLoss', loss_weight=0.1))
    assert hard.loss_name == 'loss_hard_bce_dice'
    assert hard(LOGITS, teacher).item() == pytest.approx(0.1 * hand_bce_dice(), abs=1e-6)


def test_no_gradient_reaches_the_teacher():
    teacher = torch.randn(2, 2, 4, 4, requires_grad=True)
    student = torch.randn(2, 2, 4, 4, requires_grad=True)
    MODELS.build(dict(type='HardTargetBCEDiceLoss'))(student, teacher).backward()
    assert teacher.grad is None
    assert student.grad is not None and student.grad.abs().sum() > 0


def test_shape_checks():
    hard = MODELS.build(dict(type='HardTargetBCEDiceLoss'))
    with pytest.raises(ValueError, match='differ'):
        hard(LOGITS, LOGITS[..., :1])
    with pytest.raises(ValueError, match='target shape'):
        MODELS.build(dict(type='BCEDiceLoss'))(LOGITS, TARGET[..., :1])


def test_argmax_target_variant_uses_the_teachers_class():
    teacher = torch.tensor([[[[0.6, 3.0]], [[0.2, -1.0]]]])  # argmax (0, 0); mean rule (0, 1)
    flipped = torch.tensor([[[[0.2, -1.0]], [[0.6, 3.0]]]])  # argmax (1, 1)
    argmax = MODELS.build(dict(type='HardTargetBCEDiceLoss', target_rule='argmax'))
    mean = MODELS.build(dict(type='HardTargetBCEDiceLoss'))
    assert torch.equal(argmax.hard_target(teacher), torch.tensor([[[0, 0]]]))
    assert torch.equal(mean.hard_target(teacher), torch.tensor([[[0, 1]]]))
    assert torch.equal(argmax.hard_target(flipped), torch.tensor([[[1, 1]]]))
    # one-hot-like logits (opposite signs): the official rule says "no change" for both classes
    onehot_like = torch.tensor([[[[4.0, -4.0]], [[-4.0, 4.0]]]])
    assert torch.equal(mean.hard_target(onehot_like), torch.tensor([[[0, 0]]]))
    assert torch.equal(argmax.hard_target(onehot_like), torch.tensor([[[0, 1]]]))
    assert argmax(LOGITS, flipped).item() == pytest.approx(
        MODELS.build(dict(type='BCEDiceLoss'))(LOGITS, torch.tensor([[[1, 1]]])).item())
    with pytest.raises(ValueError, match='target_rule'):
        MODELS.build(dict(type='HardTargetBCEDiceLoss', target_rule='soft'))
