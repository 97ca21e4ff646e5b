"""Mean-teacher update of a distiller's ``ema_teacher`` (after mmdet's ``MeanTeacherHook``)."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from cdkd.registry import HOOKS


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """``teacher = (1 - momentum) * teacher + momentum * detector`` every ``interval`` iterations.

    The model needs ``detector`` and ``ema_teacher`` (``STKDDistiller(ema_teacher=True)``). At
    iteration 0 the teacher is set equal to the detector. Unlike mmdet's default, floating-point
    buffers (BN running statistics) are averaged too (``skip_buffers=False``), because the teacher
    predicts in eval mode with its own statistics; integer buffers are copied.

    Args:
        momentum: weight of the current detector in the average (mmdet's convention).
        interval: update every ``interval`` training iterations.
        skip_buffers: average parameters only and leave the buffers as they are.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, momentum: float = 0.001, interval: int = 1, skip_buffers: bool = False):
        if not 0 < momentum <= 1:
            raise ValueError(f'momentum must be in (0, 1], got {momentum}')
        self.momentum = momentum
        self.interval = interval
        self.skip_buffers = skip_buffers

    @staticmethod
    def _model(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'ema_teacher', None) is None or not hasattr(model, 'detector'):
            raise AttributeError('EMATeacherHook needs a model with `detector` and `ema_teacher` '
                                 '(STKDDistiller(ema_teacher=True))')
        return model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if runner.iter == 0:
            self.momentum_update(model, 1.0)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if (runner.iter + 1) % self.interval == 0:
            self.momentum_update(self._model(runner), self.momentum)

    @torch.no_grad()
    def momentum_update(self, model, momentum: float) -> None:
        src, dst = model.detector, model.ema_teacher
        for p_src, p_dst in zip(src.parameters(), dst.parameters()):
            p_dst.mul_(1 - momentum).add_(p_src, alpha=momentum)
        if self.skip_buffers:
            return
        for b_src, b_dst in zip(src.buffers(), dst.buffers()):
            if b_dst.dtype.is_floating_point:
                b_dst.mul_(1 - momentum).add_(b_src, alpha=momentum)
            else:
                b_dst.copy_(b_src)
