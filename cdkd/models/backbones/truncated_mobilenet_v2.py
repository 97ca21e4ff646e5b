"""mmseg's MobileNetV2 cut after its first layers (TinyCD slices its backbone the same way)."""
from mmseg.models.backbones import MobileNetV2

from cdkd.registry import MODELS


@MODELS.register_module()
class TruncatedMobileNetV2(MobileNetV2):
    """mmseg's ``MobileNetV2`` keeping only ``layer1 .. layer{num_layers}`` (the later layers are
    not built, so they cost nothing). ``out_indices`` index the kept layers. With
    ``num_layers=3`` and ``out_indices=(0, 1, 2)`` it gives 16/24/32 channels at strides 2/4/8.
    ImageNet MobileNetV2 weights (``init_cfg=dict(type='Pretrained', ...)``) load into the kept
    layers (the others' keys are unused)."""

    def __init__(self, num_layers: int = 3, **kwargs):
        kwargs.setdefault('out_indices', tuple(range(num_layers)))
        if max(kwargs['out_indices']) >= num_layers:
            raise ValueError(f'out_indices {kwargs["out_indices"]} exceed the {num_layers} kept '
                             'layers')
        super().__init__(**kwargs)
        for name in self.layers[num_layers:]:
            delattr(self, name)
        self.layers = self.layers[:num_layers]
