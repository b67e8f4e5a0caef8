"""The budgeted training loop: schedule, budget, skipped batches, checkpoint and resume."""
from __future__ import annotations

import itertools

import pytest
import torch

from repair.train.loop import Budget, LoopState, epoch_order, load_checkpoint, lr_factor, save_checkpoint, seed_everything, train


class Counter:
    """A clock that advances ``step`` seconds each time it is read (the budget without waiting)."""

    def __init__(self, step: float = 1.0):
        self.ticks = itertools.count()
        self.step = step

    def __call__(self) -> float:
        return next(self.ticks) * self.step


def tiny_model() -> torch.nn.Module:
    # Dropout makes the run depend on torch's random state, which a resume must restore.
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.3), torch.nn.Linear(8, 1))


def batches(n: int = 5) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [(torch.randn(3, 4, generator=generator), torch.randn(3, 1, generator=generator)) for _ in range(n)]


def mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def quiet(_: str) -> None:
    pass


def fresh_run(seed: int = 3):
    seed_everything(seed)
    model = tiny_model()
    return model, torch.optim.AdamW(model.parameters(), lr=1e-2)


def test_schedule_warms_up_then_decays_to_the_floor():
    budget = Budget(max_steps=100, warmup_steps=10, min_lr_factor=0.1)
    factors = [lr_factor(step, 0.0, budget) for step in range(101)]
    assert factors[0] == pytest.approx(0.1)  # a tenth of the warm-up, no decay yet
    assert factors[:10] == sorted(factors[:10])
    assert max(factors) == factors[9] <= 1.0
    assert factors[10:] == sorted(factors[10:], reverse=True)
    assert factors[100] == pytest.approx(0.1)


def test_schedule_follows_the_further_along_clock():
    budget = Budget(max_steps=1000, max_minutes=10.0)
    assert lr_factor(10, 5.0, budget) == pytest.approx(0.5)  # half the time spent: cosine at its middle
    assert lr_factor(10, 10.0, budget) == pytest.approx(0.0)
    # A slow machine leaves warm-up after 5% of the time even if it took few steps.
    slow = Budget(max_steps=1000, max_minutes=10.0, warmup_steps=500)
    assert lr_factor(5, 0.5, slow) == pytest.approx(lr_factor(5, 0.5, Budget(max_steps=1000, max_minutes=10.0)))


def test_a_budget_needs_a_limit():
    with pytest.raises(ValueError, match="max_steps or max_minutes"):
        Budget()


def test_epoch_order_is_a_permutation_fixed_by_seed_and_epoch():
    assert sorted(epoch_order(7, 0, 1)) == list(range(7))
    assert epoch_order(7, 2, 1) == epoch_order(7, 2, 1)
    assert epoch_order(7, 0, 1) != epoch_order(7, 1, 1)


def test_step_budget_stops_exactly():
    model, optimiser = fresh_run()
    state = train(model, mse, batches(), optimiser, Budget(max_steps=7), log=quiet, clock=Counter())
    assert state.step == 7 and state.drawn == 7
    assert not model.training


def test_time_budget_stops_the_run():
    model, optimiser = fresh_run()
    # Each read of the clock is 2 s later; a 1-minute budget ends long before the step limit.
    state = train(model, mse, batches(), optimiser, Budget(max_steps=10_000, max_minutes=1.0), log=quiet, clock=Counter(2.0))
    assert 0 < state.step < 30
    assert state.minutes >= 1.0


def test_empty_batches_are_skipped_without_a_step():
    model, optimiser = fresh_run()
    skip_odd = lambda m, batch: None if batch[0][0, 0] > 0 else mse(m, batch)  # noqa: E731
    state = train(model, skip_odd, batches(8), optimiser, Budget(max_steps=4), log=quiet, clock=Counter())
    assert state.step == 4 and state.drawn > 4


def test_no_batches_is_an_error():
    model, optimiser = fresh_run()
    with pytest.raises(ValueError, match="no batches"):
        train(model, mse, [], optimiser, Budget(max_steps=1), log=quiet)


def test_an_epoch_without_a_loss_is_an_error_not_an_endless_loop():
    model, optimiser = fresh_run()
    with pytest.raises(ValueError, match="5 batches in a row gave no loss"):
        train(model, lambda m, batch: None, batches(5), optimiser, Budget(max_steps=3), log=quiet, clock=Counter())


def test_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    budget = Budget(max_steps=9, warmup_steps=3, checkpoint_minutes=0.0)
    model, optimiser = fresh_run()
    whole = train(model, mse, batches(), optimiser, budget, log=quiet, clock=Counter())
    expected = {k: v.clone() for k, v in model.state_dict().items()}

    class Killed(Exception):
        pass

    calls = itertools.count()

    def dies_at_step_5(m, batch):
        if next(calls) == 5:
            raise Killed
        return mse(m, batch)

    checkpoint = tmp_path / "run" / "checkpoint.pt"
    model, optimiser = fresh_run()
    with pytest.raises(Killed):
        train(model, dies_at_step_5, batches(), optimiser, budget, checkpoint=checkpoint, log=quiet, clock=Counter())
    model, optimiser = fresh_run(seed=99)  # another start: everything must come from the checkpoint
    resumed = train(model, mse, batches(), optimiser, budget, checkpoint=checkpoint, log=quiet, clock=Counter())
    assert (resumed.step, resumed.drawn) == (whole.step, whole.drawn)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, expected[name]), name


def test_checkpoint_round_trip_and_foreign_model(tmp_path):
    model, optimiser = fresh_run()
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, model, optimiser, LoopState(step=4, drawn=6, minutes=1.5))
    other, other_optimiser = fresh_run(seed=7)
    assert load_checkpoint(path, other, other_optimiser) == LoopState(step=4, drawn=6, minutes=1.5)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), other.parameters()))
    with pytest.raises(ValueError, match="does not fit"):
        load_checkpoint(path, torch.nn.Linear(2, 2))


def test_only_trained_tensors_are_checkpointed(tmp_path):
    model, _ = fresh_run()
    model[0].weight.requires_grad_(False)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    save_checkpoint(tmp_path / "c.pt", model, optimiser, LoopState())
    saved = torch.load(tmp_path / "c.pt", weights_only=True)["model"]
    assert "0.weight" not in saved and "0.bias" in saved
