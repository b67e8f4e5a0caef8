"""Plan a batch: where each input goes, what is already known without running, and how the
remaining files are grouped into worker tasks."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.io.files import same_file
from repair.io.inputs import InputItem
from repair.io.manifest import Manifest
from repair.io.options import BatchOptions
from repair.io.outcomes import FileOutcome, failed
from repair.io.pdf import is_pdf, text_name


@dataclass(frozen=True)
class Job:
    """One planned input: where it goes (``target``) and whether it is small enough to batch."""

    item: InputItem
    target: str = ""
    size: int = 0


def plan(items: Sequence[InputItem], options: BatchOptions, manifest: Manifest | None) -> tuple[list[Job], dict[int, FileOutcome]]:
    """Jobs to run, plus outcomes known without running (walk problems, resumed, collisions)."""
    jobs: list[Job] = []
    known: dict[int, FileOutcome] = {}
    targets: dict[str, str] = {}
    for index, item in enumerate(items):
        if item.error:
            known[index] = failed(item, item.error, item.status)
            continue
        target = target_for(item, options)
        problem = target_problem(item, target, targets, options)
        if problem:
            known[index] = failed(item, problem)
            continue
        targets[target] = item.path
        if options.writes and options.resume and manifest is not None and manifest.is_done(item.path, target):
            known[index] = manifest.resumed(item.path, item.rel, target)
            continue
        jobs.append(Job(item, target, size_of(item.path)))
    return jobs, known


def target_for(item: InputItem, options: BatchOptions) -> str:
    if options.in_place:
        return item.path
    if options.outdir is not None:  # a PDF's repaired text goes to NAME.txt
        return str(options.outdir / (text_name(item.rel) if is_pdf(item.path, options.input_format) else item.rel))
    return ""


def target_problem(item: InputItem, target: str, targets: dict[str, str], options: BatchOptions) -> str:
    """Why this input cannot be written where it would go ("" when it can)."""
    if options.writes and options.in_place and is_pdf(item.path, options.input_format):
        return f"a PDF cannot be rewritten in place; use -o OUTDIR to write its repaired text ({Path(text_name(item.rel)).name})"
    if not options.writes or options.in_place:
        return ""
    if target in targets:
        return f"output {target} would also receive {targets[target]}; rename one input"
    if same_file(Path(target), Path(item.path)):
        return f"output {target} is the input itself; use --in-place to rewrite inputs"
    return ""


def size_of(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def group_jobs(jobs: Sequence[Job], options: BatchOptions) -> list[list[Job]]:
    """Batches for the workers: up to ``files_per_task`` files or ``chars_per_task`` bytes each;
    a file above the streaming threshold travels alone."""
    groups: list[list[Job]] = []
    current: list[Job] = []
    size = 0
    for job in jobs:
        if job.size > options.stream_threshold:
            groups += [current, [job]] if current else [[job]]
            current, size = [], 0
            continue
        if current and (len(current) >= options.files_per_task or size + job.size > options.chars_per_task):
            groups.append(current)
            current, size = [], 0
        current.append(job)
        size += job.size
    if current:
        groups.append(current)
    return groups
