from torch import nn


def export_module(model: nn.Module) -> nn.Module:
    """The network that predicts at test time: ``model.export_module()`` when the model defines it
    (a distiller returns its student), else the model itself."""
    return model.export_module() if hasattr(model, 'export_module') else model
