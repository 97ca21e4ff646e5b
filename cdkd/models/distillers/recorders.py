"""Forward-hook recorders of intermediate outputs, addressed by module path (after mmrazor's
``ModuleOutputsRecorder``)."""
from contextlib import contextmanager

import torch.nn as nn


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
