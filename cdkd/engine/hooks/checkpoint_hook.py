import os.path as osp
from typing import Dict, List, Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from cdkd.registry import HOOKS
from cdkd.utils.atomic_write import remove_stale_temp_files
from cdkd.utils.rng_state import get_rng_states, set_rng_states

RNG_STATES_KEY = 'rng_states'


def non_finite_tensors(state_dict: Dict[str, torch.Tensor]) -> List[str]:
    """``name (k of n nan/inf)`` for each floating-point tensor with a NaN or infinite value."""
    bad = []
    for name, tensor in state_dict.items():
        if isinstance(tensor, torch.Tensor) and (tensor.is_floating_point() or tensor.is_complex()):
            count = int((~torch.isfinite(tensor)).sum())
            if count:
                bad.append(f'{name} ({count} of {tensor.numel()} nan/inf)')
    return bad


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """mmengine's checkpoint hook, made safe and exactly resumable.

    Registered under mmengine's name in the ``cdkd`` scope, so ``type='CheckpointHook'`` in a cdkd
    config (and the runner's default checkpoint hook) is this class; the arguments are mmengine's.
    Where mmengine's is wrong for resumable training (it is otherwise reused as is):

    - **Never saves diverged weights**: every save (interval, last, best) first checks all
      floating-point parameters and buffers and raises ``FloatingPointError`` naming the
      non-finite ones (the loss can be finite while a BN running variance is already ``inf``).
    - **Never loses the best checkpoint**: the new best is written (atomically) before the
      previous best is removed; mmengine removes first, so a kill in between left none.
    - **Stays in its own folder**: the remembered best path (absolute, in the message hub) is
      re-rooted into this run's checkpoint folder on start, so a run resumed in a copy of a work
      dir never touches the original; no file outside that folder is ever removed. On start the
      temp files of saves killed mid-write (``.<name>.<pid>.<tid>.tmp`` of dead processes) are
      removed.
    - **Bit-exact resume**: checkpoints carry the Python/NumPy/torch (and CUDA) generator states,
      restored right before the first batch after a resume (for an iteration-based loop after
      mmengine's replay of the sampler, which itself draws random numbers). Validation leaves the
      generators as it found them, so the states saved before and after it agree (single-process
      runs; a multi-process run keeps mmengine's reseeding).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._states_before_val: Optional[dict] = None
        self._resumed_states: Optional[dict] = None

    # -- staying inside the checkpoint folder ---------------------------------------------------
    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.save_best is not None:
            if len(self.key_indicators) == 1:
                self.best_ckpt_path = self._reroot(runner, 'best_ckpt', self.best_ckpt_path)
            else:
                for key, path in self.best_ckpt_path_dict.items():
                    self.best_ckpt_path_dict[key] = self._reroot(runner, f'best_ckpt_{key}', path)
        if is_main_process() and self._is_local():
            for path in remove_stale_temp_files(self.out_dir):
                runner.logger.info(f'Removed {path}, left by a save that was killed mid-write.')

    def _is_local(self) -> bool:
        return '://' not in str(self.out_dir)

    def _reroot(self, runner, info_key: str, path: Optional[str]) -> Optional[str]:
        if path is None:
            return None
        rerooted = self.file_backend.join_path(self.out_dir, osp.basename(str(path)))
        if self._is_local() and osp.realpath(rerooted) == osp.realpath(path):
            return path
        runner.logger.info(f'The best checkpoint recorded as {path} is looked for as {rerooted} '
                           '(this run\'s checkpoint folder).')
        runner.message_hub.update_info(info_key, rerooted)
        return rerooted

    def _inside_out_dir(self, path: str) -> bool:
        if not self._is_local():
            return str(path).startswith(str(self.out_dir).rstrip('/') + '/')
        out_dir = osp.realpath(self.out_dir)
        return osp.commonpath([out_dir, osp.realpath(path)]) == out_dir

    def _remove_previous_best(self, runner, path: Optional[str]) -> None:
        if not path or not is_main_process():
            return
        if not self._inside_out_dir(path):
            runner.logger.warning(f'Not removing the previous best checkpoint {path}: it is '
                                  f'outside this run\'s checkpoint folder {self.out_dir}.')
            return
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # checkpoints saved by deepspeed are directories
            self.file_backend.rmtree(path)
        else:
            return
        runner.logger.info(f'The previous best checkpoint {path} is removed')

    # -- saving: finite weights only, the new best before the old one goes ----------------------
    def _check_finite(self, runner, when: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        bad = non_finite_tensors(model.state_dict())
        if bad:
            shown = ', '.join(bad[:10]) + (f' and {len(bad) - 10} more' if len(bad) > 10 else '')
            raise FloatingPointError(
                f'refusing to save the checkpoint of {when}: the model has non-finite parameters '
                f'or buffers: {shown}. Training diverged; the checkpoints already in '
                f'{self.out_dir} are kept. Lower the learning rate, enable gradient clipping '
                '(optim_wrapper.clip_grad) or check the inputs for NaN/Inf values.')

    def _unit(self) -> str:
        return 'epoch' if self.by_epoch else 'iteration'

    def _save_checkpoint_with_step(self, runner, step, meta):
        self._check_finite(runner, f'{self._unit()} {step}')
        super()._save_checkpoint_with_step(runner, step, meta)

    def _best_paths(self) -> Dict[str, Optional[str]]:
        if len(self.key_indicators) == 1:
            return {'': self.best_ckpt_path}
        return dict(self.best_ckpt_path_dict)

    def _set_best_paths(self, paths: Dict[str, Optional[str]]) -> None:
        if '' in paths:
            self.best_ckpt_path = paths['']
        else:
            self.best_ckpt_path_dict = dict(paths)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self.save_best:
            return
        self._check_finite(runner, f'the best {self._unit()} '
                                   f'{runner.epoch if self.by_epoch else runner.iter}')
        previous = self._best_paths()
        # Hide the previous bests from mmengine, which removes them before saving the new one.
        self._set_best_paths({key: None for key in previous})
        try:
            super()._save_best_checkpoint(runner, metrics)
        except BaseException:
            self._set_best_paths(previous)  # the new best may be missing: keep the old ones
            raise
        current = self._best_paths()
        for key, old in previous.items():
            if current[key] is None:  # not improved
                current[key] = old
            elif current[key] != old:  # the new best is written: now the old one goes
                self._remove_previous_best(runner, old)
        self._set_best_paths(current)

    # -- generator states -----------------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # Saved during validation (the re-save of a new best): the states validation started from.
        states = self._states_before_val or get_rng_states()
        checkpoint[RNG_STATES_KEY] = states

    def before_val(self, runner) -> None:
        self._states_before_val = get_rng_states()

    def after_val(self, runner) -> None:
        if self._states_before_val is not None:
            set_rng_states(self._states_before_val)
            self._states_before_val = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._resumed_states = checkpoint.get(RNG_STATES_KEY)

    def before_train_epoch(self, runner) -> None:
        states, self._resumed_states = self._resumed_states, None
        if states is None or runner.iter == 0:  # not resumed (load_from) or no states saved
            return
        if runner.world_size > 1:
            runner.logger.info('Multi-process run: the saved generator states are not restored '
                               '(each process is reseeded by mmengine).')
            return
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreStatesAfterReplay(loop, runner.iter, states)
        else:
            set_rng_states(states)


class _RestoreStatesAfterReplay:
    """The train loop's data iterator, restoring the generator states right before the first
    batch after mmengine's resume replay (``next`` called ``replayed`` times), then unwrapped."""

    def __init__(self, loop, replayed: int, states: dict):
        self.loop, self.iterator = loop, loop.dataloader_iterator
        self.replayed, self.states = replayed, states

    def __iter__(self):
        return self

    def __next__(self):
        if self.replayed > 0:
            self.replayed -= 1
            return next(self.iterator)
        set_rng_states(self.states)
        self.loop.dataloader_iterator = self.iterator
        return next(self.iterator)
