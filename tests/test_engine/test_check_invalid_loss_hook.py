import pytest
import torch

from cdkd.engine.hooks import CheckInvalidLossHook


class FakeRunner:
    iter = 41


def test_finite_losses_pass():
    hook = CheckInvalidLossHook()
    hook.after_train_iter(FakeRunner(), 0, outputs=dict(loss=torch.tensor(0.3),
                                                        decode_loss_ce=torch.tensor(0.3)))


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_loss_stops_with_every_term_named(bad):
    hook = CheckInvalidLossHook()
    outputs = dict(loss=torch.tensor(bad, requires_grad=True), decode_loss_ce=torch.tensor(bad),
                   decode_acc_seg=torch.tensor(97.0))
    with pytest.raises(FloatingPointError, match='iteration 42') as err:
        hook.after_train_iter(FakeRunner(), 0, outputs=outputs)
    assert 'decode_loss_ce=' in str(err.value) and 'decode_acc_seg=97' in str(err.value)


def test_runs_before_checkpointing():
    from mmengine.hooks import CheckpointHook
    from mmengine.runner.priority import get_priority
    assert get_priority(CheckInvalidLossHook.priority) < get_priority(CheckpointHook.priority)
