"""GOLD's change loss of each branch: class-weighted CE (weights 0.1/0.9) + 1.5 x the official Dice,
against a hand computation."""
import math

import pytest
import torch
from mmseg.models.losses import CrossEntropyLoss

from cdkd.models.losses import GOLDDiceLoss, WeightedMeanCrossEntropyLoss, gold_dice_loss
from cdkd.registry import MODELS

# two pixels: p = (0.5, 0.5) labelled 0, p = (0.25, 0.75) labelled 1
LOGITS = torch.tensor([[[[0.0, 0.0]], [[0.0, math.log(3.0)]]]])
LABEL = torch.tensor([[[0, 1]]])
CE = (0.1 * math.log(2) + 0.9 * math.log(4 / 3)) / (0.1 + 0.9)
# official slice: only t_0 = (1, 0) is compared with both class probabilities
# tp = (0.5, 0.5), fp = (0.25, 0.75), fn = (0.5, 0.5)
DICE_OFFICIAL = 1 - (1 / 1.75 + 1 / 2.25) / 2
# every class with its own indicator: tp = (0.5, 0.75), fp = (0.25, 0.5), fn = (0.5, 0.25)
DICE_STANDARD = 1 - (1 / 1.75 + 1.5 / 2.25) / 2


def test_weighted_ce_is_the_weighted_mean():
    ce = WeightedMeanCrossEntropyLoss(class_weight=[0.1, 0.9])
    assert ce(LOGITS, LABEL).item() == pytest.approx(CE, rel=1e-5)
    ref = torch.nn.CrossEntropyLoss(weight=torch.tensor([0.1, 0.9]))(
        LOGITS.permute(0, 2, 3, 1).reshape(-1, 2), LABEL.reshape(-1))
    assert ce(LOGITS, LABEL).item() == pytest.approx(ref.item(), rel=1e-5)
    mm = CrossEntropyLoss(class_weight=[0.1, 0.9], avg_non_ignore=True)
    assert mm(LOGITS, LABEL, ignore_index=255).item() == pytest.approx(CE, rel=1e-5)


def test_weighted_ce_leaves_out_ignored_pixels():
    ce = WeightedMeanCrossEntropyLoss(class_weight=[0.1, 0.9])
    logits = torch.cat([LOGITS, torch.randn(1, 2, 1, 1)], dim=3)
    label = torch.tensor([[[0, 1, 255]]])
    assert ce(logits, label).item() == pytest.approx(CE, rel=1e-5)
    with pytest.raises(IndexError):  # why the subclass exists (mmseg 1.2.2)
        CrossEntropyLoss(class_weight=[0.1, 0.9], avg_non_ignore=True)(logits, label,
                                                                      ignore_index=255)
    with pytest.raises(ValueError, match='class weights for 3 classes'):
        ce(torch.randn(1, 3, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))


def test_gold_dice_matches_the_official_formula_and_its_slice():
    assert gold_dice_loss(LOGITS, LABEL).item() == pytest.approx(DICE_OFFICIAL, rel=1e-4)
    assert gold_dice_loss(LOGITS, LABEL, drop_last_target_channel=False).item() == \
        pytest.approx(DICE_STANDARD, rel=1e-4)
    # ignored pixels do not count
    logits = torch.cat([LOGITS, torch.randn(1, 2, 1, 3)], dim=3)
    label = torch.tensor([[[0, 1, 255, 255, 255]]])
    assert gold_dice_loss(logits, label).item() == pytest.approx(DICE_OFFICIAL, rel=1e-4)
    # the slice rewards predicting "changed" on unchanged pixels: a perfect prediction keeps 0.5
    perfect = torch.tensor([[[[20.0, -20.0]], [[-20.0, 20.0]]]])
    assert gold_dice_loss(perfect, LABEL).item() == pytest.approx(0.5, abs=1e-4)
    assert gold_dice_loss(perfect, LABEL, drop_last_target_channel=False).item() == \
        pytest.approx(0.0, abs=1e-4)


def test_branch_change_loss_through_the_decode_head():
    head = MODELS.build(dict(
        type='FCNHead', in_channels=4, in_index=0, channels=4, num_convs=1, kernel_size=3,
        concat_input=False, num_classes=2, align_corners=True,
        loss_decode=[dict(type='WeightedMeanCrossEntropyLoss', class_weight=[0.1, 0.9]),
                     dict(type='GOLDDiceLoss', loss_weight=1.5)]))
    losses = {}
    for loss in head.loss_decode:
        losses[loss.loss_name] = loss(LOGITS, LABEL, ignore_index=head.ignore_index)
    assert sum(losses.values()).item() == pytest.approx(CE + 1.5 * DICE_OFFICIAL, rel=1e-4)
    assert isinstance(GOLDDiceLoss().loss_name, str)
    with pytest.raises(ValueError, match='>= 2 classes'):
        GOLDDiceLoss()(torch.randn(1, 1, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))
