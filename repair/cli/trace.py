"""`unspin trace`: for each paragraph, its likely sources in an archive index and the word differences.

    unspin trace FILE... --index INDEX [--format text|json] [--top N] [--min-score S] [-o OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from repair.archive import Archive, ParagraphTrace, TraceConfig
from repair.errors import InputError, UnspinError

EPILOG = """text output, per paragraph: its number, the source document and paragraph with its
score (share of the paragraph's content words found in order in the source) and coverage
(share of its words identical to the source's or explained as a spinner's swap); a source is
claimed at --min-score and --min-coverage. Then the word differences: 'old -> new' marks a
swap restoration would undo, '(kept)' a difference it leaves alone (the copier's own change, a
number, a long rewrite).
JSON output: one object per input, {"path", "paragraphs": [{"paragraph", "start", "end", "text",
"source", "candidates": [{"document", "paragraph", "score", "diffs": [...]}]}]}.

exit codes: 0 every input traced, 1 some input could not be read, 2 usage error or a missing,
corrupt or other-version index, 130 interrupted."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="find where each paragraph was copied from in an archive index",
        description="Trace each paragraph of spun or copied text to its best source candidates in an "
        "index built by 'unspin index', with a similarity score and the aligned word differences.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="text files; '-' reads stdin")
    parser.add_argument("--index", type=Path, required=True, help="archive index built by 'unspin index'")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="readable text (default) or JSON lines")
    parser.add_argument("--top", type=int, default=TraceConfig.report, help="candidates listed per paragraph (default %(default)s)")
    parser.add_argument("--min-score", type=float, default=TraceConfig.min_score, help="content-word score at which a candidate is claimed as the source of a paragraph on its own (default %(default)s; "
                        "inside the documents the text's other paragraphs came from, TraceConfig.context_min_score)")
    parser.add_argument("--min-coverage", type=float, default=TraceConfig.min_coverage, help="share of a paragraph its source must explain (identical words or swaps) to be claimed on its own (default %(default)s)")
    parser.add_argument("-o", "--output", default="-", help="output file ('-' = stdout)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if args.top < 1 or not (0.0 <= args.min_score <= 1.0 and 0.0 <= args.min_coverage <= 1.0):
        raise UnspinError("--top must be at least 1, --min-score and --min-coverage between 0 and 1")
    if "-" in args.inputs and len(args.inputs) > 1:
        raise UnspinError("'-' (stdin) cannot be combined with other inputs")
    config = replace(TraceConfig(), report=args.top, min_score=args.min_score, min_coverage=args.min_coverage)
    failed = 0
    with Archive.open(args.index, config) as archive, _open_output(args.output) as out:
        for name in tqdm(args.inputs, unit="file", desc="unspin trace", file=sys.stderr,
                         disable=args.quiet or len(args.inputs) < 2, dynamic_ncols=True):
            try:
                text = _read(name)
            except InputError as error:
                print(f"unspin: error: {error}", file=sys.stderr)
                failed += 1
                continue
            traces = archive.trace_text(text)
            out.write(_json(name, traces) if args.format == "json" else _text(name, traces))
            out.flush()
    return 1 if failed else 0


def _open_output(name: str):
    if name == "-":
        from contextlib import nullcontext

        return nullcontext(sys.stdout)
    return open(name, "w", encoding="utf-8")


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {name!r}: {error}") from error


def _json(name: str, traces: list[ParagraphTrace]) -> str:
    return json.dumps({"path": name, "paragraphs": [t.to_dict() for t in traces]}, ensure_ascii=False) + "\n"


def _text(name: str, traces: list[ParagraphTrace]) -> str:
    found = sum(t.source is not None for t in traces)
    lines = [f"{name}: {found} of {len(traces)} paragraphs traced"]
    for trace in traces:
        lines.extend(_paragraph_lines(trace))
    return "\n".join(lines) + "\n"


def _paragraph_lines(trace: ParagraphTrace) -> list[str]:
    preview = trace.text if len(trace.text) <= 70 else trace.text[:67] + "..."
    lines = [f"  ¶{trace.number}  {preview}"]
    source = trace.source
    if source is None:
        best = f" (best {trace.candidates[0].document} ¶{trace.candidates[0].number}, score {trace.candidates[0].score:.2f})" if trace.candidates else ""
        return lines + [f"      no source found{best}"]
    lines.append(f"      <- {source.document} ¶{source.number}  score {source.score:.2f}, coverage {source.coverage:.2f}")
    restored = [f"{d.old.strip() or '^'} -> {d.new.strip() or '(delete)'}" for d in source.diffs if d.restorable]
    kept = [f"{d.op} {(d.old or d.new).strip()!r}" for d in source.diffs if not d.restorable]
    if restored:
        lines.append("      swaps: " + "; ".join(restored))
    if kept:
        lines.append("      (kept) " + "; ".join(kept))
    if not source.diffs:
        lines.append("      identical words")
    lines.extend(f"      also {c.document} ¶{c.number}  score {c.score:.2f}" for c in trace.candidates[1:])
    return lines
