"""Batch detection and repair of files and folders: walk, plan, process in workers, commit, record.

The flow is
    collect_inputs (walk folders, globs, symlink loops)  ->  plan (targets, resume)
    -> workers: read, split into format units, repair/detect in batches, write a temp file
    -> supervisor: rename temp files into place, append the manifest, report outcomes in input order.

Only the supervisor (this process) renames files into place, so Ctrl-C or a killed worker
never leaves a half-written output: unfinished temp files are removed on the way out. Every
per-file problem becomes a ``failed``/``skipped`` outcome with a message; it never stops the batch.
Workers are separate processes (``jobs`` > 1) that each build the ``Repairer`` once.
"""
from __future__ import annotations

import difflib
import errno
import fnmatch
import hashlib
import json
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from repair import text as textutil
from repair.errors import InputError, ModelNotFoundError, UnspinError
from repair.io.files import (
    BinaryFileError,
    CHUNK_CHARS,
    STREAM_THRESHOLD_BYTES,
    Document,
    Encoding,
    backup_file,
    check_regular_file,
    commit,
    inspect_file,
    iter_chunks,
    read_document,
    remove_quietly,
    same_file,
    temp_path_for,
    temp_writer,
)
from repair.io.formats import DEFAULT_FIELD, Format, RecordError, Unit, format_for
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer, combine_reports
from repair.results import DetectionReport, RepairResult

Status = Literal["done", "failed", "skipped"]
MANIFEST_NAME = "unspin-manifest.jsonl"
STDIN = "-"


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class RepairerFactory:
    """Builds the pipeline inside each worker (picklable, so it also works with spawn and Ray)."""

    models: str | None = None
    config: RepairConfig = RepairConfig()

    def __call__(self) -> Repairer:
        root = Path(self.models) if self.models else None
        try:
            return Repairer.load(root, config=self.config)
        except ImportError as error:
            raise ModelNotFoundError(f"the default pipeline is not available ({error})") from error
        except (OSError, EOFError, ValueError) as error:  # unreadable or truncated model files
            where = root or "models/"
            raise ModelNotFoundError(f"cannot load the pipeline from {where}: {type(error).__name__}: {error}") from error


@dataclass(frozen=True)
class BatchOptions:
    """What to do with each file.

    Args:
        task: "fix" repairs, "detect" only scores.
        outdir: mirror the input tree here (fix).
        in_place: rewrite inputs, keeping a backup with ``backup_suffix`` ("" for none).
        diff: keep a unified diff in each outcome; nothing is written.
        dry_run: process and report, write nothing (no outputs, no manifest).
        keep_text: keep the repaired text in each outcome (stdout or JSON output).
        manifest: JSONL file recording every outcome; also the resume state.
        resume: skip files whose manifest entry is done with an unchanged input hash.
        jobs: worker processes; 1 runs in this process.
        files_per_task / chars_per_task: how much work one worker call gets (batched inference).
        stream_threshold / chunk_chars: files larger than this many bytes are processed in chunks
            of about ``chunk_chars`` characters, cut at paragraph boundaries.
    """

    task: Literal["fix", "detect"] = "fix"
    outdir: Path | None = None
    in_place: bool = False
    backup_suffix: str = ".orig"
    diff: bool = False
    dry_run: bool = False
    keep_text: bool = False
    manifest: Path | None = None
    resume: bool = True
    input_format: str = "auto"
    field: str = DEFAULT_FIELD
    encoding: str | None = None
    jobs: int = 1
    files_per_task: int = 32
    chars_per_task: int = 1 << 20
    stream_threshold: int = STREAM_THRESHOLD_BYTES
    chunk_chars: int = CHUNK_CHARS
    progress: bool = False

    @property
    def writes(self) -> bool:
        return self.task == "fix" and (self.outdir is not None or self.in_place) and not (self.dry_run or self.diff)


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InputItem:
    """A file to process, its path relative to the output root, or why it cannot be processed."""

    path: str
    rel: str
    error: str = ""
    status: Status = "failed"


def matches(rel: str, patterns: Sequence[str]) -> bool:
    """Glob match against the relative path or the file name (so "*.txt" works at any depth)."""
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def collect_inputs(
    paths: Sequence[str],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    skip: Sequence[Path] = (),
) -> list[InputItem]:
    """Expand files and folders (recursively, following symlinks once) into input items.

    A single folder argument mirrors its contents directly; with several arguments each
    keeps its own name as the top of its subtree. ``skip`` lists paths never to enter
    (the output folder, the manifest). Include globs filter files found in folders; explicit
    file arguments are always taken.
    """
    items: list[InputItem] = []
    single_dir = len(paths) == 1 and os.path.isdir(paths[0])
    skip_ids = {file_id(p) for p in skip if os.path.exists(p)}
    for raw in paths:
        if raw == STDIN:
            items.append(InputItem(STDIN, "stdin"))
        elif os.path.isdir(raw):
            prefix = "" if single_dir else Path(raw).resolve().name
            items.extend(walk(Path(raw), prefix, include, exclude, skip_ids))
        else:
            items.append(explicit_file(raw))
    return items


def explicit_file(raw: str) -> InputItem:
    """A file named on the command line, with its problem found up front (no model needed)."""
    try:
        check_regular_file(Path(raw))
    except InputError as error:
        return InputItem(raw, Path(raw).name, str(error))
    return InputItem(raw, Path(raw).name)


def file_id(path: Path | str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def walk(root: Path, prefix: str, include, exclude, skip_ids: set) -> Iterator[InputItem]:
    """Depth-first walk in sorted order; directory symlinks are followed unless they lead to a
    folder already visited (a loop), which is reported as a skipped item naming the link."""
    seen = {file_id(root)}
    stack = [(root, prefix)]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            yield InputItem(str(folder), rel_folder, f"{folder}: cannot list folder ({error.strerror})")
            continue
        subfolders = []
        for entry in entries:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            item_or_folder = classify(entry, rel, seen, skip_ids)
            if isinstance(item_or_folder, InputItem):
                wanted = item_or_folder.error or not include or matches(rel, include)
                if wanted and not matches(rel, exclude):
                    yield item_or_folder
            elif item_or_folder is not None and not matches(rel, exclude):
                subfolders.append((Path(entry.path), rel))
        stack.extend(reversed(subfolders))


def classify(entry: os.DirEntry, rel: str, seen: set, skip_ids: set) -> InputItem | bool | None:
    """An InputItem for a file or a problem, True for a folder to enter, None to ignore."""
    if entry.name.endswith(".unspin-part"):
        return None
    try:
        info = entry.stat(follow_symlinks=True)
    except OSError as error:
        return InputItem(entry.path, rel, f"{entry.path}: {describe_os_error(error)}")
    key = (info.st_dev, info.st_ino)
    if key in skip_ids:
        return None
    if not entry.is_dir(follow_symlinks=True):
        return InputItem(entry.path, rel)
    if key in seen:
        target = os.path.realpath(entry.path)
        return InputItem(entry.path, rel, f"{entry.path}: symbolic link loop (leads back to {target}); not followed", "skipped")
    seen.add(key)
    return True


def describe_os_error(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT:
        return "broken symbolic link (target missing)"
    return error.strerror or str(error)


# ----------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one input; ``manifest_record`` is what the manifest keeps."""

    path: str
    rel: str
    status: Status
    error: str = ""
    output: str = ""
    sha256: str = ""
    output_sha256: str = ""
    encoding: str = ""
    format: str = ""
    words: int = 0
    score: float = 0.0
    spun: bool = False
    edits: int = 0
    changed: bool = False
    empty: bool = False
    seconds: float = 0.0
    resumed: bool = False
    text: str | None = None
    raw_encoding: Encoding | None = None
    edit_list: tuple[dict, ...] = ()
    spans: tuple[dict, ...] = ()
    diff: str | None = None

    def manifest_record(self) -> dict:
        keys = ("path", "output", "status", "error", "sha256", "output_sha256", "encoding", "format", "words", "score", "spun", "edits", "changed", "seconds")
        record = {k: getattr(self, k) for k in keys}
        record["abspath"] = os.path.abspath(self.path) if self.path != STDIN else STDIN
        record["score"] = round(self.score, 4)
        record["seconds"] = round(self.seconds, 3)
        return record


def failed(item: InputItem, error: BaseException | str, status: Status = "failed") -> FileOutcome:
    message = str(error)
    if item.path not in message:
        message = f"{item.path}: {message}"
    return FileOutcome(path=item.path, rel=item.rel, status=status, error=message)


def is_skip(error: InputError) -> bool:
    """Binary files are skipped with a reason rather than failed (they are not text at all)."""
    return isinstance(error, BinaryFileError)


# ----------------------------------------------------------------------------- processing


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


@dataclass(frozen=True)
class Job:
    """One planned input: where it goes (``target``) and whether it is small enough to batch."""

    item: InputItem
    target: str = ""
    size: int = 0


def make_chunk(fmt: Format, text: str, char_offset: int = 0, record_offset: int = 0) -> Chunk:
    return Chunk(fmt, text, tuple(fmt.units(text)), char_offset, record_offset)


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
            document = read_document(Path(job.item.path), options.encoding)
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
    return [outcomes[i] for i in range(len(jobs))]


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
    """Write the output (temp file only; the supervisor commits it) and describe the outcome."""
    changed = result.text != document.text
    data = encode_output(job, document, result.text) if changed else None
    if options.writes and (changed or not options.in_place):
        write_output(job, data)
    diff = unified_diff(document.text, result.text, job.item.path) if options.diff else None
    return FileOutcome(
        path=job.item.path, rel=job.item.rel, status="done", output=job.target, sha256=document.sha256,
        output_sha256=hashlib.sha256(data).hexdigest() if changed else document.sha256, encoding=document.encoding.label, format=format_name(job, options), words=result.words,
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


def unified_diff(old: str, new: str | None, name: str) -> str:
    if new is None or old == new:
        return ""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def process_stdin(repairer: Repairer, data: bytes, options: BatchOptions) -> FileOutcome:
    """``-``: decode stdin with the file rules and process it in this process."""
    from repair.io.files import decode_bytes

    item = InputItem(STDIN, "stdin")
    started = time.perf_counter()
    try:
        document = decode_bytes("<stdin>", data, options.encoding)
        fmt = format_for("stdin", options.input_format, options.field)
        result = process_chunks(repairer, options.task, [make_chunk(fmt, document.text)])[0]
    except InputError as error:
        return failed(item, str(error).replace("<stdin>", STDIN), "skipped" if is_skip(error) else "failed")
    return finish(Job(item), document, result, replace(options, outdir=None, in_place=False), started)


# ----------------------------------------------------------------------------- manifest


class Manifest:
    """Append-only JSONL of outcomes; the last entry for a path wins when resuming."""

    def __init__(self, path: Path):
        self.path = path
        self.entries = load_manifest(path)
        self.handle = None

    def append(self, outcome: FileOutcome) -> None:
        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a", encoding="utf-8")
        self.handle.write(json.dumps(outcome.manifest_record(), ensure_ascii=False) + "\n")
        self.handle.flush()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()

    def is_done(self, path: str, target: str) -> bool:
        """Done before with the same input bytes and its output still there."""
        entry = self.entries.get(os.path.abspath(path))
        if not entry or entry.get("status") != "done" or not entry.get("sha256"):
            return False
        if target and not os.path.exists(target):
            return False
        try:
            current = inspect_hash(Path(path))
        except (InputError, OSError):
            return False
        # In place, the input now holds the output: its hash is the output's.
        return current in (entry["sha256"], entry.get("output_sha256") if target == path else None)


def load_manifest(path: Path) -> dict[str, dict]:
    """Entries by input path; a torn last line (interrupted write) is ignored."""
    entries: dict[str, dict] = {}
    if not path.is_file():
        return entries
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and "path" in entry:
                entries[entry.get("abspath") or os.path.abspath(entry["path"])] = entry
    return entries


def inspect_hash(path: Path) -> str:
    digest = hashlib.sha256()
    check_regular_file(path)
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- planning


def target_for(item: InputItem, options: BatchOptions) -> str:
    if options.in_place:
        return item.path
    if options.outdir is not None:
        return str(options.outdir / item.rel)
    return ""


def plan(items: Sequence[InputItem], options: BatchOptions, manifest: Manifest | None) -> tuple[list[Job], dict[int, FileOutcome]]:
    """Jobs to run, plus outcomes known without running (walk problems, resumed, collisions)."""
    jobs: list[tuple[int, Job]] = []
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
            entry = manifest.entries[os.path.abspath(item.path)]
            known[index] = FileOutcome(path=item.path, rel=item.rel, status="done", output=target, sha256=entry["sha256"],
                                       words=entry.get("words", 0), score=entry.get("score", 0.0), edits=entry.get("edits", 0),
                                       changed=entry.get("changed", False), resumed=True)
            continue
        jobs.append((index, Job(item, target, size_of(item.path))))
    return [job for _, job in jobs], known


def target_problem(item: InputItem, target: str, targets: dict[str, str], options: BatchOptions) -> str:
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


# ----------------------------------------------------------------------------- engines


def worker_loop(factory: Callable[[], Repairer], options: BatchOptions, tasks, results) -> None:
    """Body of a worker process: build the pipeline once, then take groups until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor handles Ctrl-C and cleans up
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and stops workers with SIGTERM: die at once
    try:
        repairer = factory()
    except BaseException as error:  # report, then stop: the supervisor turns it into an error
        results.put(("load-failed", os.getpid(), f"{type(error).__name__}: {error}"))
        return
    limit_threads(options.jobs)
    while (task := tasks.get()) is not None:
        task_id, group = task
        results.put(("started", task_id, os.getpid()))
        try:
            results.put(("done", task_id, process_jobs(repairer, group, options)))
        except BaseException:
            results.put(("done", task_id, [failed(job.item, f"internal error: {traceback.format_exc(limit=3)}") for job in group]))


def limit_threads(jobs: int) -> None:
    """Several workers on few cores: keep each worker's torch to its share of the CPUs."""
    if "torch" in sys.modules and jobs > 1:
        sys.modules["torch"].set_num_threads(max(1, (os.cpu_count() or 1) // jobs))


def run_local(groups: list[list[Job]], factory, options: BatchOptions) -> Iterator[tuple[int, list[FileOutcome]]]:
    """Yield (group number, outcomes) as each group finishes (in this process for ``jobs == 1``)."""
    if options.jobs <= 1:
        if not groups:
            return
        repairer = factory()
        for group_id, group in enumerate(groups):
            yield group_id, process_jobs(repairer, group, options)
        return
    yield from run_pool(groups, factory, options)


def run_pool(groups: list[list[Job]], factory, options: BatchOptions) -> Iterator[tuple[int, list[FileOutcome]]]:
    """Worker processes fed through queues, at most two groups in flight per worker."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    tasks, results = context.Queue(), context.Queue()
    workers = [context.Process(target=worker_loop, args=(factory, options, tasks, results), daemon=True) for _ in range(min(options.jobs, max(1, len(groups))))]
    for worker in workers:
        worker.start()
    pending = dict(enumerate(groups))
    running: dict[int, int] = {}  # task id -> worker pid
    next_id, in_flight = 0, 0
    try:
        while pending or in_flight:
            while next_id < len(groups) and in_flight < 2 * len(workers):
                tasks.put((next_id, groups[next_id]))
                next_id, in_flight = next_id + 1, in_flight + 1
            message = poll(results, workers, running, pending)
            if message is None:
                continue
            kind, task_id, payload = message
            if kind == "started":
                running[task_id] = payload
            elif kind in ("done", "lost"):
                running.pop(task_id, None)
                pending.pop(task_id, None)
                in_flight -= 1
                yield task_id, payload
    except BaseException:
        stop_workers(workers)
        raise
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.join()


def stop_workers(workers) -> None:
    """Kill workers at once (interrupt or error): their unfinished temp files are cleaned after."""
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join()


def poll(results, workers, running: dict[int, int], pending: dict[int, list[Job]]):
    """Next worker message; a crashed worker's running group comes back as failed outcomes."""
    try:
        message = results.get(timeout=1.0)
    except queue.Empty:
        return lost_group(workers, running, pending)
    if message[0] == "load-failed":
        raise ModelNotFoundError(f"a worker could not load the pipeline: {message[2]}")
    return message


def lost_group(workers, running: dict[int, int], pending: dict[int, list[Job]]):
    alive = {w.pid for w in workers if w.is_alive()}
    if not alive:
        if pending:
            raise UnspinError("all worker processes died")
    for task_id, pid in list(running.items()):
        if pid not in alive:
            running.pop(task_id)
            group = pending.pop(task_id)
            return ("lost", task_id, [failed(job.item, "worker process died while processing this file") for job in group])
    return None


def run_ray(groups: list[list[Job]], factory, options: BatchOptions) -> Iterator[tuple[int, list[FileOutcome]]]:
    """``--engine ray``: Ray Data ``map_batches`` with one pipeline per actor (optional extra)."""
    try:
        import ray
    except ImportError:
        raise UnspinError("--engine ray needs Ray: pip install 'ray[data]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        # A local instance: its workers see the driver's import path (test modules, scripts).
        env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
        ray.init(num_cpus=max(1, options.jobs), include_dashboard=False, log_to_driver=False, runtime_env=env)
    try:
        dataset = ray.data.from_items([{"group": i} for i in range(len(groups))], override_num_blocks=max(1, len(groups)))
        actor = make_ray_actor(factory, options, groups)
        outcomes = dataset.map_batches(actor, batch_size=1, concurrency=max(1, options.jobs), num_cpus=1)
        for row in outcomes.iter_rows():
            yield row["group"], [FileOutcome(**json.loads(o)) for o in json.loads(row["outcomes"])]
    finally:
        if started_here:
            ray.shutdown()


def make_ray_actor(factory, options: BatchOptions, groups: list[list[Job]]):
    class Actor:
        def __init__(self):
            self.repairer = factory()

        def __call__(self, batch: dict) -> dict:
            out = []
            for group_id in batch["group"]:
                done = process_jobs(self.repairer, groups[int(group_id)], options)
                out.append(json.dumps([json.dumps(outcome_dict(o)) for o in done]))
            return {"group": [int(g) for g in batch["group"]], "outcomes": out}

    return Actor


def outcome_dict(outcome: FileOutcome) -> dict:
    data = asdict(outcome)
    data["raw_encoding"] = None
    return data


ENGINES = {"local": run_local, "ray": run_ray}


# ----------------------------------------------------------------------------- supervisor


@dataclass
class Summary:
    """Counts for the table printed at the end."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    resumed: int = 0
    changed: int = 0
    edits: int = 0
    words: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.resumed += outcome.resumed
        self.changed += outcome.changed
        self.edits += outcome.edits
        self.words += outcome.words
        if outcome.error:
            self.problems.append(outcome.error)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.skipped else 0


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
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {sorted(ENGINES)}")
    manifest = Manifest(options.manifest) if options.manifest and not (options.dry_run or options.diff) else None
    jobs, finished = plan(items, options, manifest)
    slots = [i for i in range(len(items)) if i not in finished]
    groups = group_jobs(jobs, options)
    group_slots, cursor = [], 0
    for group in groups:
        group_slots.append(slots[cursor : cursor + len(group)])
        cursor += len(group)
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


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (kill, timeout) like Ctrl-C while a batch runs, so it cleans up the same way."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, disable=not enabled, dynamic_ncols=True)


def update_bar(bar, summary: Summary, started: float) -> None:
    bar.update(1)
    elapsed = max(time.perf_counter() - started, 1e-9)
    bar.set_postfix_str(f"{summary.words / elapsed:,.0f} words/s", refresh=False)
