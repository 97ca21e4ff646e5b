"""Forward-hook recorders of intermediate outputs, addressed by module path (after mmrazor's
``ModuleOutputsRecorder``)."""
from contextlib import ExitStack, contextmanager
from typing import Dict, Optional

import torch.nn as nn

from cdkd.registry import TASK_UTILS


@TASK_UTILS.register_module(name=['ModuleOutputRecorder', 'ModuleOutputs'])
class ModuleOutputRecorder:
    """Records the output of ``model.get_submodule(source)`` on every forward while recording.

    Example:
        >>> rec = ModuleOutputRecorder('backbone.layer4')
        >>> rec.register(detector)
        >>> with rec.record() as outputs:
        ...     detector.extract_feat(x)
        >>> feats = outputs[-1]

    Args:
        source: dotted path of the module, as in ``model.named_modules()`` (e.g. ``'neck'``,
            ``'backbone.layer3'``, ``'decode_head.conv_seg'``).
    """

    def __init__(self, source: str):
        self.source = source
        self.outputs = []
        self._recording = False
        self._handle = None

    def register(self, model: nn.Module) -> 'ModuleOutputRecorder':
        try:
            module = model.get_submodule(self.source)
        except AttributeError as err:
            names = [n for n, _ in model.named_modules() if n][:20]
            raise KeyError(f'no module {self.source!r} in {model.__class__.__name__}; '
                           f'modules include {names}') from err
        self.remove()
        self._handle = module.register_forward_hook(self._hook)
        return self

    def _hook(self, module, inputs, output):
        if self._recording:
            self.outputs.append(output)

    @contextmanager
    def record(self):
        """Collect the outputs of the forwards run inside the block (a fresh list each time)."""
        self.outputs = []
        self._recording = True
        try:
            yield self.outputs
        finally:
            self._recording = False

    def last(self):
        if not self.outputs:
            raise RuntimeError(f'module {self.source!r} produced no output while recording')
        return self.outputs[-1]

    def remove(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def __repr__(self):
        return f'{self.__class__.__name__}(source={self.source!r})'


class RecorderManager:
    """Named recorders of one model (mmrazor's ``RecorderManager``), built from configs such as
    ``dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'))``.

    ``record()`` records with all of them at once; ``get(name, data_idx)`` returns the last output
    of a recorder, or element ``data_idx`` of it when the module returns a tuple/list (a neck's
    levels).
    """

    def __init__(self, recorders: Optional[Dict[str, dict]] = None):
        self.recorders = {}
        for name, cfg in (recorders or {}).items():
            cfg = dict(cfg)
            cfg.setdefault('type', 'ModuleOutputs')
            self.recorders[name] = TASK_UTILS.build(cfg)

    def register(self, model: nn.Module) -> 'RecorderManager':
        for rec in self.recorders.values():
            rec.register(model)
        return self

    @contextmanager
    def record(self):
        with ExitStack() as stack:
            for rec in self.recorders.values():
                stack.enter_context(rec.record())
            yield self

    def get(self, name: str, data_idx: Optional[int] = None):
        if name not in self.recorders:
            raise KeyError(f'no recorder {name!r}; recorders: {sorted(self.recorders)}')
        out = self.recorders[name].last()
        if data_idx is None:
            return out
        if not isinstance(out, (list, tuple)):
            raise TypeError(f'recorder {name!r} ({self.recorders[name].source}) recorded one '
                            f'{type(out).__name__}, not a sequence: drop data_idx={data_idx}')
        return out[data_idx]

    def outputs(self) -> Dict[str, object]:
        """The last output of every recorder, by name."""
        return {name: rec.last() for name, rec in self.recorders.items()}

    def __contains__(self, name: str) -> bool:
        return name in self.recorders

    def __repr__(self):
        return f'{self.__class__.__name__}({self.recorders})'
