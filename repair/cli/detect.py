"""`unspin detect`: score files, folders or stdin for spun/garbled text (JSON lines by default).

Also holds the input options shared with `unspin fix` (globs, formats, encoding, workers).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import closing
from pathlib import Path

from repair.detect.registry import DETECTORS
from repair.errors import UnspinError
from repair.glossary.phrases import PhraseList, load_phrases
from repair.io.files import CHUNK_CHARS, STREAM_THRESHOLD_BYTES
from repair.io.formats import DEFAULT_FIELD, FORMAT_NAMES
from repair.io.inputs import STDIN, collect_inputs
from repair.io.options import BatchOptions, RepairerFactory
from repair.io.outcomes import FileOutcome, Summary
from repair.paths import models_dir
from repair.pipeline.config import RepairConfig
from repair.restore.registry import RESTORERS
from repair.risk import risk_level

EPILOG = """exit codes: 0 every input processed, 1 some input failed or was skipped (binary,
undecodable, missing, unreadable, symlink loop; each named on stderr), 2 usage error or
missing model, 130 interrupted. An empty file is processed as empty text (score 0, no
spans, empty output) and a note is printed on stderr."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="score texts for spinner/machine-translation damage",
        description="Score each input for spun or garbled text. One JSON object per input on stdout: "
        '{"path", "score", "spun", "risk", "spans": [{"start", "end", "text", "score", "reason"}]}; '
        "risk is clean / low / suspicious / high from the score and flagged spans per 100 words "
        "(high: score >= 0.9 and >= 2 spans per 100 words; suspicious: score >= threshold; low: score >= threshold/2 or any span).",
        epilog=EPILOG,
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="files or folders (recursive); '-' reads stdin")
    parser.add_argument("--format", choices=["json", "text"], default="json", help="output: JSON lines (default) or a readable table")
    parser.add_argument("--threshold", type=probability, default=RepairConfig.threshold, help="score at or above which a text counts as spun (default %(default)s)")
    add_input_arguments(parser)
    parser.set_defaults(run=run)


def probability(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not between 0 and 1")
    return number


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be at least 1")
    return number


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by detect and fix: what to read and how."""
    group = parser.add_argument_group("inputs")
    group.add_argument("--include", action="append", default=[], metavar="GLOB", help="in folders, only files matching (name or relative path; repeatable)")
    group.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip files/folders matching (repeatable)")
    group.add_argument("--input-format", choices=FORMAT_NAMES, default="auto", help="input format; auto picks by suffix (.md, .html, .jsonl, .csv/.tsv; else plain text)")
    group.add_argument("--field", default=DEFAULT_FIELD, help="JSONL key / CSV column holding the text (default %(default)s); other fields are kept")
    group.add_argument("--encoding", default=None, help="decode inputs with this codec instead of detecting (e.g. cp1252, utf-16-le)")
    group.add_argument("-j", "--jobs", type=positive, default=1, help="worker processes, each loading the model once (default 1)")
    group.add_argument("--batch-files", type=positive, default=BatchOptions.files_per_task, metavar="N", help="small files per worker batch (default %(default)s)")
    group.add_argument("--engine", choices=["local", "ray"], default="local", help="local worker processes (default) or Ray Data (needs ray installed)")
    group.add_argument("--ray-address", default=os.environ.get("RAY_ADDRESS") or None, metavar="ADDRESS",
                       help="with --engine ray, run on this Ray cluster (ray://host:10001, or auto; default $RAY_ADDRESS, "
                       "else a local Ray instance); inputs and outputs must be on a filesystem its workers share")
    group.add_argument("--models", default=None, help="models folder (default: the shipped models/ or $UNSPIN_MODELS)")
    add_kind_arguments(group)
    group.add_argument("--phrases", type=Path, default=None, metavar="FILE",
                       help="your list of known garbled phrases, a UTF-8 TSV of 'phrase<TAB>expected' ('#' comments): "
                       "hits are repaired in every document (source 'phrases') and reported as spans (reason 'phrase list')")
    group.add_argument("--chunk-size", type=positive, default=CHUNK_CHARS, metavar="CHARS", help="characters per streamed chunk of a large file")
    group.add_argument("--stream-threshold", type=positive, default=STREAM_THRESHOLD_BYTES, metavar="BYTES", help="stream files larger than this")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def add_kind_arguments(parser) -> None:
    """--detector and --restorer, with the registries' keys as choices (shared with eval and bench)."""
    parser.add_argument("--detector", choices=sorted(DETECTORS), default=os.environ.get("UNSPIN_DETECTOR", RepairConfig.detector),
                        help="detector to use (default: %(default)s, or $UNSPIN_DETECTOR); lexicon is faster on clean text and finds about half as much")
    parser.add_argument("--restorer", choices=sorted(RESTORERS), default=RepairConfig.restorer,
                        help="restorer to use (default: %(default)s); lexicon puts back the corpus-preferred original of each flagged phrase, without a neural model")


def models_root(args: argparse.Namespace) -> str:
    """--models (``cli.main`` fills it from $UNSPIN_MODELS), else the shipped models/."""
    return str(args.models) if args.models else str(models_dir())


def factory_from(args: argparse.Namespace, **config) -> RepairerFactory:
    return RepairerFactory(models=models_root(args), config=RepairConfig(**config, detector=args.detector, restorer=args.restorer,
                                                                        phrases=getattr(args, "phrases", None)))


def phrase_list(args: argparse.Namespace) -> PhraseList | None:
    """--phrases, read once up front: a malformed list stops the run (exit 2) before any input is read."""
    return load_phrases(args.phrases) if getattr(args, "phrases", None) is not None else None


def phrases_record(phrases: PhraseList | None) -> dict:
    """What each JSON output record says about the phrase list (nothing without one)."""
    return {"phrases": phrases.record()} if phrases is not None else {}


def input_items(args: argparse.Namespace, skip=(), exclude=()):
    """Validate stdin use and expand the inputs."""
    if STDIN in args.inputs and len(args.inputs) > 1:
        raise UnspinError("'-' (stdin) cannot be combined with other inputs")
    return collect_inputs(args.inputs, include=args.include, exclude=[*args.exclude, *exclude], skip=skip)


def common_options(args: argparse.Namespace, **changes) -> BatchOptions:
    return BatchOptions(
        input_format=args.input_format, field=args.field, encoding=args.encoding, jobs=args.jobs, ray_address=args.ray_address,
        chunk_chars=args.chunk_size, stream_threshold=args.stream_threshold, files_per_task=args.batch_files,
        progress=not args.quiet and sys.stderr.isatty(), **changes,
    )


def report_problem(outcome: FileOutcome) -> None:
    """Failures, skips and empty inputs on stderr, each naming its path."""
    if outcome.status != "done":
        print(f"unspin: {'skipped' if outcome.status == 'skipped' else 'error'}: {outcome.error}", file=sys.stderr)
    elif outcome.empty:
        print(f"unspin: note: {outcome.path} is empty; nothing to do (empty output)", file=sys.stderr)


def print_summary(summary: Summary, quiet: bool) -> None:
    """The table at the end of a batch, on stderr."""
    if quiet:
        return
    seconds = max(summary.seconds, 1e-9)
    files = summary.done + summary.failed + summary.skipped
    rows = [
        ("files", f"{files:,}"),
        ("done", f"{summary.done:,} (resumed {summary.resumed:,}, changed {summary.changed:,})"),
        ("failed", f"{summary.failed:,}"),
        ("skipped", f"{summary.skipped:,}"),
        ("edits", f"{summary.edits:,}"),
        ("words", f"{summary.words:,}"),
        ("time", f"{summary.seconds:.1f} s ({summary.words / seconds:,.0f} words/s, {files / seconds:,.1f} files/s)"),
    ]
    print("unspin summary:", file=sys.stderr)
    for name, value in rows:
        print(f"  {name:<8} {value}", file=sys.stderr)


def detection_record(outcome: FileOutcome, extra: dict | None = None, threshold: float = RepairConfig.threshold) -> dict:
    risk = risk_level(outcome.score, len(outcome.spans), outcome.words, threshold)
    return {"path": outcome.path, "score": round(outcome.score, 4), "spun": outcome.spun, "risk": risk, "spans": list(outcome.spans), **(extra or {})}


def emit(outcome: FileOutcome, fmt: str, extra: dict | None = None, threshold: float = RepairConfig.threshold) -> None:
    report_problem(outcome)
    if outcome.status != "done":
        return
    if fmt == "json":
        print(json.dumps(detection_record(outcome, extra, threshold), ensure_ascii=False), flush=True)
        return
    risk = risk_level(outcome.score, len(outcome.spans), outcome.words, threshold)
    print(f"{outcome.path}\t{outcome.score:.3f}\t{'SPUN' if outcome.spun else 'clean'}\t{risk}\t{len(outcome.spans)} spans", flush=True)
    for span in outcome.spans:
        where = f"record {span['record']} " if "record" in span else f"page {span['page']} " if "page" in span else ""
        print(f"    {where}[{span['start']}:{span['end']}] {span['text']!r} {span['score']:.2f} {span.get('reason', '')}".rstrip())


def run(args: argparse.Namespace) -> int:
    # Imported here: they import the pipeline and numpy, which `unspin --help` does not need.
    from repair.io.batch import run_batch, terminate_as_interrupt
    from repair.io.process import process_stdin

    # Detection never runs a restorer, so it is not loaded (seconds and ~200 MB saved per worker).
    factory = factory_from(args, threshold=args.threshold, use_model=False)
    extra = phrases_record(phrase_list(args))
    options = common_options(args, task="detect")
    if args.inputs == [STDIN]:
        outcome = process_stdin(factory(), sys.stdin.buffer.read(), options)
        emit(outcome, args.format, extra, args.threshold)
        return 0 if outcome.status == "done" else 1
    items = input_items(args)
    summary = Summary()
    # closing(): on Ctrl-C the batch stops its workers and removes temp files right away.
    with terminate_as_interrupt(), closing(run_batch(items, factory, options, engine=args.engine, summary=summary)) as outcomes:
        for outcome in outcomes:
            emit(outcome, args.format, extra, args.threshold)
    if len(items) > 1:
        print_summary(summary, args.quiet)
    return summary.exit_code
