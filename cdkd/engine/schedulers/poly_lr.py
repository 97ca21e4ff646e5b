from mmengine.optim import PolyLR

from cdkd.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class PolyLRToEnd(PolyLR):
    """Poly decay ``lr_t = (lr_0 - eta_min) * (1 - t / T) ** power + eta_min`` for ``t = 0 .. T-1``
    (``T`` = ``end - begin`` iterations), the irn/PSA ``PolyOptimizer`` that KD-MSI trains with
    (``tools/ai/optim_utils.py:14-19``): the last step still has a positive lr.

    mmengine's ``PolyLR`` decays over ``T - 1`` steps (``lr = 0`` at the last iteration), so its lr
    is lower at every step after the first; this class gives the official values (same arguments).
    """

    def __init__(self, optimizer, *args, begin: int = 0, end: int = None,
                 by_epoch: bool = True, **kwargs):
        if end is not None and not by_epoch:
            end = end + 1  # PolyLR divides by (end - begin - 1)
        super().__init__(optimizer, *args, begin=begin, end=end, by_epoch=by_epoch, **kwargs)
