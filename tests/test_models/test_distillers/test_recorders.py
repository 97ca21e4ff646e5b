import pytest
import torch
from torch import nn

from cdkd.models.distillers import ModuleOutputRecorder


def test_records_only_inside_block_by_path():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    rec = ModuleOutputRecorder('1.1').register(model)
    x = torch.ones(1, 2)
    model(x)
    assert rec.outputs == []
    with rec.record() as outputs:
        y = model(x)
        model(x)
    assert len(outputs) == 2 and torch.equal(rec.last(), y)
    rec.remove()
    with rec.record() as outputs:
        model(x)
    assert outputs == []
    with pytest.raises(KeyError, match="no module 'neck'"):
        ModuleOutputRecorder('neck').register(model)
