"""Batch detection and repair of files and folders: plan, process in workers, commit, record.

The flow, one module per step:
    repair.io.inputs (walk folders, globs, symlink loops)  ->  repair.io.plan (targets, resume)
    -> repair.io.engines: workers run repair.io.process (read, split into format units,
       repair/detect in batches, write a temp file)
    -> here, the supervisor: rename temp files into place, append the manifest
       (repair.io.manifest), report outcomes in input order.

Only the supervisor (this process) renames files into place, so Ctrl-C or a killed worker
never leaves a half-written output: unfinished temp files are removed on the way out. Every
per-file problem becomes a ``failed``/``skipped`` outcome with a message; it never stops the batch.
"""
from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from repair.io.engines import ENGINES
from repair.io.files import backup_file, commit, remove_quietly, temp_path_for
from repair.io.inputs import InputItem
from repair.io.manifest import Manifest
from repair.io.options import BatchOptions
from repair.io.outcomes import FileOutcome, Summary
from repair.io.plan import group_jobs, plan
from repair.pipeline.repairer import Repairer


def run_batch(
    items: Sequence[InputItem],
    factory: Callable[[], Repairer],
    options: BatchOptions,
    *,
    engine: str = "local",
    summary: Summary | None = None,
) -> Iterator[FileOutcome]:
    """Process items and yield their outcomes in input order.

    Outputs and manifest lines are committed as each group finishes, so an interrupted run keeps
    everything finished so far (and resumes from it). On any interruption the workers are
    stopped first, then every unfinished temp file is removed.

    Raises:
        ValueError: ``engine`` is not a key of ``repair.io.engines.ENGINES``.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {sorted(ENGINES)}")
    manifest = Manifest(options.manifest) if options.manifest and not (options.dry_run or options.diff) else None
    jobs, finished = plan(items, options, manifest)
    groups = group_jobs(jobs, options)
    group_slots = slots_of(groups, [i for i in range(len(items)) if i not in finished])
    if manifest is not None:
        for outcome in finished.values():
            if not outcome.resumed:
                manifest.append(outcome)
    summary = summary if summary is not None else Summary()
    started = time.perf_counter()
    bar = progress_bar(len(items), options.progress)
    results = ENGINES[engine](groups, factory, options)
    emitted = 0

    def emit_ready():
        """Yield finished outcomes in input order, as far as they are contiguous."""
        nonlocal emitted
        while emitted in finished:
            outcome = finished.pop(emitted)
            summary.add(outcome)
            update_bar(bar, summary, started)
            emitted += 1
            yield outcome

    try:
        for group_id, outcomes in results:
            for slot, outcome in zip(group_slots[group_id], outcomes):
                with interrupts_held():  # an output in place always has its manifest line
                    finished[slot] = commit_outcome(outcome, options)
                    if manifest is not None:
                        manifest.append(finished[slot])
            yield from emit_ready()
        yield from emit_ready()
    finally:
        results.close()  # stops worker processes before their temp files are removed
        if options.writes:
            for job in jobs:
                remove_quietly(temp_path_for(Path(job.target)))
        if manifest is not None:
            manifest.close()
        bar.close()
        summary.seconds = time.perf_counter() - started


def slots_of(groups: Sequence[Sequence], slots: Sequence[int]) -> list[list[int]]:
    """The input positions of each group's jobs (groups take the open slots in order)."""
    group_slots, cursor = [], 0
    for group in groups:
        group_slots.append(list(slots[cursor : cursor + len(group)]))
        cursor += len(group)
    return group_slots


def commit_outcome(outcome: FileOutcome, options: BatchOptions) -> FileOutcome:
    """Move a finished temp file into place (with a backup for --in-place)."""
    if not options.writes or outcome.status != "done" or outcome.resumed:
        return outcome
    target = Path(outcome.output)
    if options.in_place and not outcome.changed:
        return outcome
    try:
        backup = target.with_name(target.name + options.backup_suffix)
        # An existing backup holds the older original: keep it rather than back up a repair.
        if options.in_place and options.backup_suffix and not backup.exists():
            backup_file(target, options.backup_suffix)
        commit(target)
    except OSError as error:
        remove_quietly(temp_path_for(target))
        return replace(outcome, status="failed", error=f"{outcome.path}: cannot write {target} ({error.strerror})")
    return outcome


@contextmanager
def signal_handlers(handlers: dict[int, Callable]) -> Iterator[None]:
    """``handlers`` (signal number -> handler) installed for the block, the previous ones put back
    after it; off the main thread, where Python cannot set them, signals are left alone."""
    try:
        previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)  # None: set outside Python


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C or SIGTERM that arrives inside the block is delivered again when it ends, to the
    handlers that were there before (so an ignored signal stays ignored).

    Around moving one output into place and writing its manifest line: interrupted between the
    two, the output was there without its line, and a resumed run did that file again.
    """
    held: list[int] = []

    def hold(signum, frame):
        held.append(signum)

    with signal_handlers({signal.SIGINT: hold, signal.SIGTERM: hold}):
        yield
    for number in dict.fromkeys(held):
        signal.raise_signal(number)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (kill, timeout) like Ctrl-C while a batch runs, so it cleans up the same way."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    with signal_handlers({signal.SIGTERM: interrupt}):
        yield


def progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, disable=not enabled, dynamic_ncols=True)


def update_bar(bar, summary: Summary, started: float) -> None:
    bar.update(1)
    elapsed = max(time.perf_counter() - started, 1e-9)
    bar.set_postfix_str(f"{summary.words / elapsed:,.0f} words/s", refresh=False)
