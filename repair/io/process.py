"""Process files through the pipeline: what one worker does with its group of jobs.

Each file is split into format units (paragraphs, JSONL records, HTML text nodes); the units
of all small files in a group go through the pipeline as one batch, and each file is rebuilt
from its units' results. A file above the streaming threshold is read, processed and written
in chunks cut at paragraph boundaries. Outputs go to temp files only: the supervisor
(``repair.io.batch``) moves them into place.
"""
from __future__ import annotations

import ctypes
import difflib
import hashlib
import shutil
import time
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from repair import text as textutil
from repair.errors import InputError
from repair.io.files import (
    Document,
    decode_bytes,
    inspect_file,
    iter_chunks,
    read_document,
    remove_quietly,
    temp_path_for,
    temp_writer,
)
from repair.io.formats import Format, RecordError, Unit, format_for
from repair.io.inputs import STDIN, InputItem
from repair.io.options import BatchOptions
from repair.io.outcomes import FileOutcome, failed, is_skip
from repair.io.pdf import PDF, pdf_document, read_pdf, with_pages
from repair.io.plan import Job
from repair.pipeline.repairer import Repairer, combine_reports
from repair.results import DetectionReport, RepairResult


@dataclass(frozen=True)
class Chunk:
    """A piece of one document queued for the pipeline, with where it sits in that document."""

    fmt: Format
    text: str
    units: tuple[Unit, ...]
    char_offset: int = 0
    record_offset: int = 0


@dataclass(frozen=True)
class ChunkResult:
    text: str
    edits: tuple[dict, ...]
    spans: tuple[dict, ...]
    score: float
    spun: bool
    words: int


def make_chunk(fmt: Format, text: str, char_offset: int = 0, record_offset: int = 0) -> Chunk:
    return Chunk(fmt, text, tuple(fmt.units(text)), char_offset, record_offset)


# ----------------------------------------------------------------------------- the pipeline call


def detect_texts(repairer: Repairer, texts: Sequence[str]) -> list[DetectionReport]:
    """``Repairer.detect`` for many texts with one detector call (paragraphs batched together)."""
    if hasattr(repairer, "detect_batch"):
        return repairer.detect_batch(texts)
    segments = [textutil.paragraphs(t) for t in texts]
    flat = [s.text for group in segments for s in group]
    reports = iter(repairer.detector.detect_batch(flat)) if flat else iter(())
    threshold = repairer.config.threshold
    return [combine_reports([next(reports) for _ in group], group, threshold) for group in segments]


def run_units(repairer: Repairer, task: str, texts: list[str]) -> list[RepairResult]:
    """Repair (or only detect) unit texts; detection-only results carry the input text."""
    if task == "detect":
        return [RepairResult(text=t, detection=d) for t, d in zip(texts, detect_texts(repairer, texts))]
    return repairer.repair_batch(texts)


def place(values: Iterable[dict], unit: Unit, chunk: Chunk) -> list[dict]:
    """Offsets into the document for slice units; record numbers for record units."""
    if unit.start is not None:
        shift = chunk.char_offset + unit.start
        return [{**v, "start": v["start"] + shift, "end": v["end"] + shift} for v in values]
    return [{**v, "record": unit.record + chunk.record_offset} for v in values]


def process_chunks(repairer: Repairer, task: str, chunks: Sequence[Chunk]) -> list[ChunkResult]:
    """Run every unit of every chunk through the pipeline in one batch, then rebuild each chunk."""
    texts = [u.text for c in chunks for u in c.units]
    results = iter(run_units(repairer, task, texts))
    out = []
    for chunk in chunks:
        unit_results = [next(results) for _ in chunk.units]
        reports = [r.detection for r in unit_results if r.detection is not None]
        edits, spans = [], []
        for unit, result in zip(chunk.units, unit_results):
            edits += place((e.to_dict() for e in result.edits), unit, chunk)
            spans += place((s.to_dict() for s in result.detection.spans), unit, chunk) if result.detection else []
        new_text = chunk.fmt.rebuild(chunk.text, chunk.units, [r.text for r in unit_results]) if task == "fix" else chunk.text
        score = max((r.score for r in reports), default=0.0)
        out.append(ChunkResult(new_text, tuple(edits), tuple(spans), score, score >= repairer.config.threshold, sum(r.words for r in reports)))
    return out


# ----------------------------------------------------------------------------- small files


def process_jobs(repairer: Repairer, jobs: Sequence[Job], options: BatchOptions) -> list[FileOutcome]:
    """A worker's unit of work: small files share one pipeline batch, big ones are streamed.

    If the shared batch raises, each file is retried alone so one bad file fails by itself.
    """
    outcomes: dict[int, FileOutcome] = {}
    small: list[tuple[int, Job, Document, Chunk, float]] = []
    for index, job in enumerate(jobs):
        started = time.perf_counter()
        try:
            fmt = format_for(job.item.path, options.input_format, options.field)
            if fmt.streamable and job.size > options.stream_threshold:
                outcomes[index] = process_streaming(repairer, job, fmt, options)
                continue
            path = Path(job.item.path)
            document = read_pdf(path) if fmt.name == PDF else read_document(path, options.encoding)
            small.append((index, job, document, make_chunk(fmt, document.text), started))
        except InputError as error:
            outcomes[index] = failed(job.item, error, "skipped" if is_skip(error) else "failed")
        except Exception as error:  # a bug in a component must not stop the batch
            outcomes[index] = failed(job.item, f"internal error: {error!r}")
    try:
        results = process_chunks(repairer, options.task, [entry[3] for entry in small])
    except Exception:
        results = [None] * len(small)
    for (index, job, document, chunk, started), result in zip(small, results):
        outcomes[index] = finish_small(repairer, job, document, chunk, result, options, started)
    return_freed_memory()
    return [outcomes[i] for i in range(len(jobs))]


def return_freed_memory() -> None:
    """Hand memory that the models freed back to the system (glibc only; elsewhere a no-op).

    Tensors of a different shape for every paragraph leave glibc's heap fragmented, and it keeps
    the free pieces: in one process repairing small news documents with the default line-up,
    RSS grew from 881 to 2,355 MB over 180 of them without this, with under 100 MB of it live
    Python objects (tracemalloc); with it, from 880 to 1,461 MB over 280, the rest being the
    bounded memos filling up.
    """
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # Windows has no "this process" handle to open
        return
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def finish_small(repairer, job: Job, document: Document, chunk: Chunk, result: ChunkResult | None, options, started) -> FileOutcome:
    try:
        if result is None:  # the shared batch failed: isolate this file
            result = process_chunks(repairer, options.task, [chunk])[0]
        return finish(job, document, result, options, started)
    except InputError as error:
        return failed(job.item, error)
    except Exception as error:
        return failed(job.item, f"internal error: {error!r}")


def finish(job: Job, document: Document, result: ChunkResult, options: BatchOptions, started: float) -> FileOutcome:
    """Write the output (temp file only; the supervisor commits it) and describe the outcome.

    A PDF's output is always its (repaired) text, never a copy of the input; its edits and spans
    carry their 1-based page.
    """
    changed = result.text != document.text
    pdf = format_name(job, options) == PDF
    if pdf:
        result = replace(result, edits=with_pages(result.edits, document.text), spans=with_pages(result.spans, document.text))
    data = encode_output(job, document, result.text) if changed or pdf else None
    if options.writes and (changed or not options.in_place):
        write_output(job, data)
    diff = unified_diff(document.text, result.text, job.item.path) if options.diff else None
    return FileOutcome(
        path=job.item.path, rel=job.item.rel, status="done", output=job.target, sha256=document.sha256,
        output_sha256=hashlib.sha256(data).hexdigest() if data is not None else document.sha256, encoding=document.encoding.label, format=format_name(job, options), words=result.words,
        score=result.score, spun=result.spun, edits=len(result.edits), changed=changed, empty=not document.text,
        seconds=time.perf_counter() - started, text=result.text if options.keep_text else None,
        raw_encoding=document.encoding, edit_list=result.edits, spans=result.spans, diff=diff,
    )


def encode_output(job: Job, document: Document, text: str) -> bytes:
    """The repaired text in the input's encoding (a legacy code page may lack a new character)."""
    try:
        return document.encoding.encode(text)
    except UnicodeEncodeError as error:
        raise InputError(
            f"{job.item.path}: the repaired text has {error.object[error.start:error.end]!r}, which "
            f"{document.encoding.codec} cannot encode; input left as it was"
        ) from None


def format_name(job: Job, options: BatchOptions) -> str:
    return format_for(job.item.path, options.input_format, options.field).name


def write_output(job: Job, data: bytes | None) -> None:
    """Write the target's temp file: the repaired bytes, or the input's bytes when unchanged."""
    target = Path(job.target)
    with temp_writer(target) as handle:
        if data is None:
            with open(job.item.path, "rb") as source:
                shutil.copyfileobj(source, handle)
        else:
            handle.write(data)


def unified_diff(old: str, new: str | None, name: str) -> str:
    if new is None or old == new:
        return ""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


# ----------------------------------------------------------------------------- big files and stdin


def process_streaming(repairer: Repairer, job: Job, fmt: Format, options: BatchOptions) -> FileOutcome:
    """A big file in chunks cut at paragraph boundaries: bounded memory, same result as whole."""
    started = time.perf_counter()
    path = Path(job.item.path)
    info = inspect_file(path, options.encoding)
    totals = {"words": 0, "score": 0.0, "edit_count": 0, "edits": [], "spans": [], "changed": False}
    pieces: list[str] = []
    output_hash = hashlib.sha256(info.encoding.bom)
    with ExitStack() as stack:
        handle = stack.enter_context(temp_writer(Path(job.target))) if options.writes else None
        if handle is not None:
            handle.write(info.encoding.bom)
        char_offset = record_offset = 0
        for piece in iter_chunks(path, info.encoding, options.chunk_chars):
            try:
                chunk = make_chunk(fmt, piece, char_offset, record_offset)
            except RecordError as error:  # its line number counts from the chunk's first line
                raise RecordError(error.line + record_offset, error.problem) from None
            result = process_chunks(repairer, options.task, [chunk])[0]
            accumulate(totals, result, piece, options)
            data = result.text.encode(info.encoding.codec)
            output_hash.update(data)
            if handle is not None:
                handle.write(data)
            if options.keep_text or options.diff:
                pieces.append(result.text)
            char_offset += len(piece)
            record_offset += piece.count("\n")
    if options.writes and options.in_place and not totals["changed"]:
        remove_quietly(temp_path_for(Path(job.target)))
    text = "".join(pieces) if (options.keep_text or options.diff) else None
    diff = unified_diff(read_document(path, options.encoding).text, text, str(path)) if options.diff else None
    return FileOutcome(
        path=job.item.path, rel=job.item.rel, status="done", output=job.target, sha256=info.sha256,
        output_sha256=output_hash.hexdigest(), encoding=info.encoding.label, format=fmt.name, words=totals["words"], score=totals["score"],
        spun=totals["score"] >= repairer.config.threshold, edits=totals["edit_count"], changed=totals["changed"],
        empty=info.size == len(info.encoding.bom), seconds=time.perf_counter() - started,
        text=text if options.keep_text else None, raw_encoding=info.encoding,
        edit_list=tuple(totals["edits"]), spans=tuple(totals["spans"]), diff=diff,
    )


def accumulate(totals: dict, result: ChunkResult, piece: str, options: BatchOptions) -> None:
    """Add a chunk's results; edit and span lists are only kept when they will be shown."""
    totals["words"] += result.words
    totals["score"] = max(totals["score"], result.score)
    totals["edit_count"] += len(result.edits)
    totals["changed"] = totals["changed"] or result.text != piece
    if options.keep_text:
        totals["edits"] += result.edits
    if options.task == "detect":
        totals["spans"] += result.spans


def process_stdin(repairer: Repairer, data: bytes, options: BatchOptions) -> FileOutcome:
    """``-``: decode stdin with the file rules and process it in this process."""
    item = InputItem(STDIN, "stdin")
    started = time.perf_counter()
    try:
        fmt = format_for("stdin", options.input_format, options.field)
        document = pdf_document("<stdin>", data) if fmt.name == PDF else decode_bytes("<stdin>", data, options.encoding)
        result = process_chunks(repairer, options.task, [make_chunk(fmt, document.text)])[0]
    except InputError as error:
        return failed(item, str(error).replace("<stdin>", STDIN), "skipped" if is_skip(error) else "failed")
    return finish(Job(item), document, result, replace(options, outdir=None, in_place=False), started)
