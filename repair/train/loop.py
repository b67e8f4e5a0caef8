"""The one training loop every trainer uses: a budget, a learning-rate schedule, checkpoints.

A trainer brings its model, an optimiser over the parameters it trains, a list of batches and a
loss function ``loss_fn(model, batch) -> tensor`` (or None to skip a batch that came out empty);
``train`` does the rest. It stops at ``Budget.max_steps`` or ``Budget.max_minutes``, whichever
comes first, and the learning rate follows the further-along of the two clocks, so a slower
machine still ends with a decayed model. Batch order is a function of (seed, epoch), and a
checkpoint holds the trained tensors, the optimiser, the clocks and the random state, so a run
killed and resumed takes the same steps as one that was never stopped.
"""
from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

CHECKPOINT_FILE = "checkpoint.pt"


@dataclass(frozen=True)
class Budget:
    """How long a run trains and how its learning rate moves.

    Args:
        max_steps: optimiser steps at most (None: no step limit).
        max_minutes: wall-clock minutes of optimisation at most (None: no time limit).
        warmup_steps: linear warm-up length in steps. Warm-up also ends once ``warmup_share`` of
            the time budget is spent, so a slow (shared) machine does not spend it all warming up.
        warmup_share: share of ``max_minutes`` after which warm-up is over.
        min_lr_factor: the decay ends at this fraction of the peak rate.
        checkpoint_minutes: how often a resumable checkpoint is written.
        log_every: steps between progress lines.
        clip_norm: gradient-norm clip of the trained parameters.
        seed: seeds the batch order of every epoch.

    Raises:
        ValueError: neither a step nor a time limit is given.
    """

    max_steps: int | None = None
    max_minutes: float | None = None
    warmup_steps: int = 0
    warmup_share: float = 0.05
    min_lr_factor: float = 0.0
    checkpoint_minutes: float = 5.0
    log_every: int = 50
    clip_norm: float = 1.0
    seed: int = 13

    def __post_init__(self) -> None:
        if not self.max_steps and not self.max_minutes:
            raise ValueError(f"a training budget needs max_steps or max_minutes; got {self.max_steps!r} and {self.max_minutes!r}")

    def progress(self, step: int, minutes: float) -> float:
        """Share of the budget spent on the further-along clock (may pass 1)."""
        by_steps = step / self.max_steps if self.max_steps else 0.0
        by_time = minutes / self.max_minutes if self.max_minutes else 0.0
        return max(by_steps, by_time)

    def spent(self, step: int, minutes: float) -> bool:
        """True once either limit is reached."""
        return bool((self.max_steps and step >= self.max_steps) or (self.max_minutes and minutes >= self.max_minutes))

    def describe(self) -> str:
        """One line for the log: the limits in words."""
        limits = [f"{self.max_steps:,} steps" if self.max_steps else "", f"{self.max_minutes:g} min" if self.max_minutes else ""]
        return "at most " + " or ".join(x for x in limits if x) + f" (warm-up {self.warmup_steps} steps, seed {self.seed})"


@dataclass(frozen=True)
class LoopState:
    """Where a run stands: optimiser steps taken, batches drawn (skipped ones too), minutes spent."""

    step: int = 0
    drawn: int = 0
    minutes: float = 0.0


def lr_factor(step: int, minutes: float, budget: Budget) -> float:
    """Multiplier of the peak learning rate: linear warm-up, then cosine decay over the budget."""
    warm = 1.0
    if budget.warmup_steps:
        warm = (step + 1) / budget.warmup_steps
        if budget.max_minutes:
            warm = max(warm, minutes / (budget.warmup_share * budget.max_minutes))
    decay = 0.5 * (1.0 + math.cos(math.pi * min(1.0, budget.progress(step, minutes))))
    return min(1.0, warm) * (budget.min_lr_factor + (1.0 - budget.min_lr_factor) * decay)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's generators (data sampling, initialisation, dropout)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str | None) -> torch.device:
    """``name`` when given, else cuda when present, else cpu."""
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def epoch_order(n_batches: int, epoch: int, seed: int) -> list[int]:
    """The shuffled batch order of one epoch: a function of (seed, epoch) alone."""
    order = list(range(n_batches))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return order


def trained_names(model: torch.nn.Module) -> list[str]:
    """Names of the parameters that learn (the only tensors a checkpoint needs)."""
    return [name for name, p in model.named_parameters() if p.requires_grad]


def save_checkpoint(path: Path, model: torch.nn.Module, optimiser: torch.optim.Optimizer, state: LoopState) -> None:
    """Trained tensors, optimiser, clocks and torch's random state, written atomically.

    Written to a temporary name first, so a kill during the save leaves the previous checkpoint.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = set(trained_names(model))
    payload = {
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items() if k in names},
        "optimiser": optimiser.state_dict(),
        "state": asdict(state),
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def load_checkpoint(path: Path, model: torch.nn.Module, optimiser: torch.optim.Optimizer | None = None) -> LoopState:
    """Put a checkpoint's tensors into ``model`` (and ``optimiser``, random state); returns its clocks.

    Raises:
        ValueError: the checkpoint holds tensors ``model`` does not have.
    """
    device = next(model.parameters()).device
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    unexpected = model.load_state_dict(saved["model"], strict=False).unexpected_keys
    if unexpected:
        raise ValueError(f"checkpoint {path} does not fit the model: unexpected tensors {unexpected[:3]}")
    if optimiser is not None:
        optimiser.load_state_dict(saved["optimiser"])
        _optimiser_to(optimiser, device)
    torch.set_rng_state(saved["rng"])
    if saved["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(saved["cuda_rng"])
    return LoopState(**saved["state"])


def _optimiser_to(optimiser: torch.optim.Optimizer, device: torch.device) -> None:
    # Adam's moments were saved on the CPU; they must sit where the parameters train.
    for moments in optimiser.state.values():
        for key, value in moments.items():
            if isinstance(value, torch.Tensor) and key != "step":
                moments[key] = value.to(device)


def train(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor | None],
    batches: Sequence[Any],
    optimiser: torch.optim.Optimizer,
    budget: Budget,
    *,
    checkpoint: Path | None = None,
    resume: bool = True,
    log: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
) -> LoopState:
    """Optimise ``model`` on ``batches`` until the budget is spent; returns the final state.

    Args:
        model: the network; only parameters with ``requires_grad`` are checkpointed.
        loss_fn: ``loss_fn(model, batch)`` -> scalar loss, or None to skip the batch.
        batches: one epoch of batches, drawn in a seeded order that changes every epoch.
        optimiser: over the trained parameters; each group's ``lr`` is its peak rate.
        budget: limits, warm-up, checkpoint and log intervals, seed.
        checkpoint: file for resumable checkpoints (None: no checkpoints).
        resume: continue from ``checkpoint`` when it exists.
        log: progress messages.
        clock: seconds, for the time budget (``time.monotonic``).

    Raises:
        ValueError: ``batches`` is empty, or a whole epoch of them gave no loss.
    """
    if not batches:
        raise ValueError("nothing to train on: no batches")
    for group in optimiser.param_groups:
        group.setdefault("peak_lr", group["lr"])
    state = LoopState()
    if checkpoint is not None and resume and Path(checkpoint).is_file():
        state = load_checkpoint(checkpoint, model, optimiser)
        log(f"resumed from {checkpoint} at step {state.step} ({state.minutes:.1f} min spent)")
    peaks = ", ".join(f"{group['peak_lr']:.1e}" for group in optimiser.param_groups)
    log(f"budget: {budget.describe()}; {len(batches):,} batches per epoch; peak lr {peaks}; {torch.get_num_threads()} threads")
    state = _optimise(model, loss_fn, batches, optimiser, budget, state, checkpoint, log, clock)
    if checkpoint is not None:
        save_checkpoint(checkpoint, model, optimiser, state)
    log(f"stopped at step {state.step} after {state.minutes:.1f} min ({state.drawn / len(batches):.2f} epochs)")
    return state


def _optimise(model, loss_fn, batches, optimiser, budget: Budget, state: LoopState, checkpoint, log, clock) -> LoopState:
    """The loop proper (see ``train``); the model is in training mode only inside it."""
    trained = [p for p in model.parameters() if p.requires_grad]
    started = clock() - state.minutes * 60
    last_save = clock()
    losses: deque[float] = deque(maxlen=budget.log_every)
    order: list[int] = []
    skipped = 0
    model.train()
    while True:
        minutes = (clock() - started) / 60
        if budget.spent(state.step, minutes):
            break
        epoch, position = divmod(state.drawn, len(batches))
        if position == 0 or not order:
            order = epoch_order(len(batches), epoch, budget.seed)
        factor = lr_factor(state.step, minutes, budget)
        for group in optimiser.param_groups:
            group["lr"] = group["peak_lr"] * factor
        loss = loss_fn(model, batches[order[position]])
        state = replace(state, drawn=state.drawn + 1)
        if loss is None:
            skipped += 1
            if skipped >= len(batches):
                raise ValueError(f"nothing to train on: {skipped} batches in a row gave no loss")
            continue
        skipped = 0
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, budget.clip_norm)
        optimiser.step()
        losses.append(float(loss.detach()))
        state = replace(state, step=state.step + 1, minutes=(clock() - started) / 60)
        if state.step % budget.log_every == 0:
            log(f"step {state.step}  loss {sum(losses) / len(losses):.4f}  lr x{factor:.3f}  "
                f"{state.minutes:.1f} min  epoch {state.drawn / len(batches):.2f}")
        if checkpoint is not None and clock() - last_save > budget.checkpoint_minutes * 60:
            save_checkpoint(checkpoint, model, optimiser, state)
            last_save = clock()
    model.eval()
    return replace(state, minutes=(clock() - started) / 60)
