"""Building and extending an index from documents, on this process or on Ray.

The expensive part of a build is fingerprinting paragraphs; writing SQLite is one writer's
job either way. The local engine does both here; the Ray engine fingerprints batches of
documents on Ray workers (``ray.data``) and this process writes what comes back, in order.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from repair.archive.shingles import fingerprint
from repair.archive.sources import InputProblem, SourceDocument
from repair.archive.store import IndexExistsError, IndexWriter
from repair.errors import UnspinError

BuildMode = Literal["create", "append", "replace"]
RAY_BATCH = 256  # documents per Ray task: big enough to amortise scheduling, small for progress


@dataclass(frozen=True)
class BuildStats:
    """What a build added."""

    documents: int
    skipped_documents: int
    paragraphs: int
    problems: tuple[InputProblem, ...]


def open_writer(target: Path, mode: BuildMode) -> IndexWriter:
    """A writer for ``mode``: a new file (refusing to overwrite unless "replace"), or an extension."""
    if mode == "append" and target.exists():
        return IndexWriter.extend(target)
    if mode == "create" and target.exists():
        raise IndexExistsError(f"{str(target)!r} already exists: use --append to add to it or --replace to rebuild it")
    return IndexWriter.create(target)


def build_index(items: Iterable[SourceDocument | InputProblem], target: Path | str, mode: BuildMode = "create",
                engine: str = "local", on_document: Callable[[int], None] | None = None) -> BuildStats:
    """Index ``items`` into ``target``, all or nothing.

    Args:
        items: documents (and problems met while reading them, passed through to the stats).
        target: the index file.
        mode: "create" (refuse an existing file), "append" (extend it, or create it), "replace".
        engine: "local" or "ray" (see ``ENGINES``).
        on_document: called with each document's paragraph count (progress bars).

    Raises:
        IndexExistsError, ArchiveError: bad target; UnspinError: unknown engine or no Ray.
    """
    if engine not in ENGINES:
        raise UnspinError(f"unknown engine {engine!r}; choose from {sorted(ENGINES)}")
    problems: list[InputProblem] = []
    with open_writer(Path(target), mode) as writer:
        for document, shingles in ENGINES[engine](_documents(items, problems)):
            writer.add_document(document.name, document.paragraphs, document.title, shingles)
            if on_document is not None:
                on_document(len(document.paragraphs))
    return BuildStats(writer.added_documents, writer.skipped_documents, writer.added_paragraphs, tuple(problems))


def _documents(items: Iterable[SourceDocument | InputProblem], problems: list[InputProblem]) -> Iterator[SourceDocument]:
    for item in items:
        if isinstance(item, InputProblem):
            problems.append(item)
        else:
            yield item


def run_local(documents: Iterable[SourceDocument]) -> Iterator[tuple[SourceDocument, list[frozenset[int]] | None]]:
    """Fingerprints are computed by the writer itself (None)."""
    for document in documents:
        yield document, None


def _batches(documents: Iterable[SourceDocument], size: int) -> Iterator[list[SourceDocument]]:
    batch: list[SourceDocument] = []
    for document in documents:
        batch.append(document)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def shingle_batch(batch: dict) -> dict:
    """Ray ``map_batches`` function: documents' paragraphs -> their shingles, keyed by position.

    Both travel as JSON strings: plain string columns survive Ray's Arrow/NumPy batch formats
    unchanged, where ragged nested lists would not.
    """
    shingles = [json.dumps([sorted(fingerprint(p).shingles) for p in json.loads(paras)]) for paras in batch["paragraphs"]]
    return {"i": [int(i) for i in batch["i"]], "shingles": shingles}


def run_ray(documents: Iterable[SourceDocument]) -> Iterator[tuple[SourceDocument, list[list[int]]]]:
    """``--engine ray``: fingerprint batches of documents on Ray workers, in input order.

    Documents are sent in windows of ``RAY_BATCH`` so memory stays bounded however large the
    input is; a local Ray instance is started (and stopped) when none is running.
    """
    try:
        import ray
    except ImportError:
        raise UnspinError("--engine ray needs Ray: pip install 'ray[data]' (or use the default --engine local)") from None
    started_here = not ray.is_initialized()
    if started_here:
        env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
        ray.init(include_dashboard=False, log_to_driver=False, runtime_env=env)
    try:
        for batch in _batches(documents, RAY_BATCH * 4):
            dataset = ray.data.from_items([{"i": i, "paragraphs": json.dumps(d.paragraphs)} for i, d in enumerate(batch)])
            rows = dataset.map_batches(shingle_batch, batch_size=RAY_BATCH).take_all()
            # Ray Data may return blocks out of order: put each result back with its document.
            by_position = {int(row["i"]): json.loads(row["shingles"]) for row in rows}
            for i, document in enumerate(batch):
                yield document, by_position[i]
    finally:
        if started_here:
            ray.shutdown()


ENGINES: dict[str, Callable] = {"local": run_local, "ray": run_ray}
