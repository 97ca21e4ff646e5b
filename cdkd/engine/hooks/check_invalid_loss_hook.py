import math

import torch

from mmengine.hooks import Hook

from cdkd.registry import HOOKS


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Stop training with a clear error when the loss becomes NaN or infinite.

    Runs before the checkpoint hook (higher priority), so no checkpoint is written for the
    iteration whose loss diverged. The message names the iteration and every loss term with its
    value. The loss is that of the forward pass before the update, so weights (or BN statistics)
    can already be non-finite under a finite loss: cdkd's ``CheckpointHook`` checks the weights
    themselves before every save.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if outputs is None or not self.every_n_train_iters(runner, self.interval):
            return
        values = {k: float(v.detach()) for k, v in outputs.items()
                  if isinstance(v, torch.Tensor) and v.numel() == 1}
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if bad:
            terms = ', '.join(f'{k}={v:.6g}' for k, v in values.items())
            raise FloatingPointError(
                f'loss became non-finite at iteration {runner.iter + 1}: {terms}. '
                'Lower the learning rate, enable gradient clipping (optim_wrapper.clip_grad) or '
                'check the inputs for NaN/Inf values; no checkpoint was written for this iteration.')
