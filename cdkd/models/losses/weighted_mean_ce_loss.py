"""Class-weighted cross-entropy averaged over the weights (as ``nn.CrossEntropyLoss(weight=w)``)."""
from mmseg.models.losses import CrossEntropyLoss
from torch import Tensor

from cdkd.registry import MODELS


@MODELS.register_module()
class WeightedMeanCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's softmax ``CrossEntropyLoss`` with ``class_weight``, averaged as PyTorch does:
    ``sum_i w_{y_i} l_i / sum_i w_{y_i}`` over the non-ignored pixels.

    mmseg 1.2.2 computes the same average but looks the weights up with the raw label, so any
    pixel labelled ``ignore_index`` (255: padding, rotated corners) raises an IndexError; here the
    average factor is computed over the valid pixels and handed to mmseg's loss.
    """

    def __init__(self, class_weight, loss_weight: float = 1.0, loss_name: str = 'loss_ce'):
        super().__init__(use_sigmoid=False, class_weight=class_weight, loss_weight=loss_weight,
                         loss_name=loss_name, avg_non_ignore=True)
        if self.class_weight is None:
            raise ValueError('WeightedMeanCrossEntropyLoss needs class_weight; use mmseg '
                             'CrossEntropyLoss for unweighted cross-entropy')

    def forward(self, cls_score: Tensor, label: Tensor, weight=None, avg_factor=None,
                reduction_override=None, ignore_index: int = 255, **kwargs) -> Tensor:
        if len(self.class_weight) != cls_score.shape[1]:
            raise ValueError(f'{len(self.class_weight)} class weights for {cls_score.shape[1]} '
                             'classes of the logits')
        if avg_factor is None:
            valid = label != ignore_index
            avg_factor = cls_score.new_tensor(self.class_weight)[label[valid].long()].sum()
        return super().forward(cls_score, label, weight=weight, avg_factor=avg_factor,
                               reduction_override=reduction_override, ignore_index=ignore_index,
                               **kwargs)
