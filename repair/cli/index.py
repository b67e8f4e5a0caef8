"""`unspin index`: build or extend an archive index of paragraphs for `unspin trace` and `fix --index`.

    unspin index PATH... -o INDEX [--append | --replace] [--field text] [--engine local|ray]
"""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path

from repair.archive import build_index, iter_documents
from repair.archive.build import ENGINES
from repair.archive.store import index_info, open_index

EPILOG = """inputs: text files (one document each, one paragraph per line), folders (recursive),
JSON lines (.jsonl, .jsonl.gz: one document per record, text in --field, name in --id-field)
and CSV/TSV (one document per row). '-' reads one text document from stdin.

An existing INDEX is never changed without --append (add documents; names already indexed
are skipped, so re-running is safe) or --replace (build anew). A new index is written beside
INDEX and renamed into place when complete; --append runs in one transaction. An interrupted
build therefore leaves the previous index (or none), never a broken one.

exit codes: 0 every input indexed, 1 some input or record could not be read (named on
stderr; the rest was indexed), 2 usage error (INDEX exists, bad index), 130 interrupted."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "index",
        help="build an archive index of source paragraphs (for trace and fix --index)",
        description="Index the paragraphs of source documents by their immutables (names, numbers, "
        "function words: what a spinner leaves alone), so that spun copies can be traced to them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="PATH", help="files or folders to index; '-' reads stdin")
    parser.add_argument("-o", "--output", dest="index", type=Path, required=True, metavar="INDEX", help="the index file (SQLite)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--append", action="store_true", help="add to an existing INDEX (creates it when missing)")
    mode.add_argument("--replace", action="store_true", help="rebuild INDEX from these inputs only")
    parser.add_argument("--field", default="text", help="JSONL key / CSV column holding the text (default %(default)s)")
    parser.add_argument("--id-field", default="id", help="JSONL key / CSV column naming a document (default %(default)s; else FILE:LINE)")
    parser.add_argument("--title-field", default="title", help="JSONL key / CSV column with the headline (default %(default)s)")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="local", help="fingerprint here (default) or on Ray (needs ray installed)")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="summary as text (stderr) or one JSON object (stdout)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if "-" in args.inputs and len(args.inputs) > 1:
        from repair.errors import UnspinError

        raise UnspinError("'-' (stdin) cannot be combined with other inputs")
    mode = "append" if args.append else "replace" if args.replace else "create"
    if mode == "create" and args.index.exists():
        from repair.archive.store import IndexExistsError

        raise IndexExistsError(f"{str(args.index)!r} already exists: use --append to add to it or --replace to rebuild it")
    items = iter_documents(args.inputs, field=args.field, id_field=args.id_field, title_field=args.title_field)
    with tqdm(unit="para", desc="unspin index", file=sys.stderr, disable=args.quiet, dynamic_ncols=True) as bar:
        stats = build_index(items, args.index, mode=mode, engine=args.engine, on_document=bar.update)
    for problem in stats.problems:
        print(f"unspin: error: {problem.name}: {problem.message}", file=sys.stderr)
    with closing(open_index(args.index)) as connection:
        info = index_info(connection, args.index)
    summary = {"index": str(args.index), "added_documents": stats.documents, "skipped_documents": stats.skipped_documents,
               "added_paragraphs": stats.paragraphs, "failed_inputs": len(stats.problems), "documents": info.documents,
               "paragraphs": info.paragraphs, "size_bytes": args.index.stat().st_size}
    if args.format == "json":
        print(json.dumps(summary))
    elif not args.quiet:
        print(f"unspin: indexed {stats.documents:,} documents ({stats.paragraphs:,} paragraphs), "
              f"{stats.skipped_documents:,} already there; {args.index}: {info.documents:,} documents, "
              f"{info.paragraphs:,} paragraphs, {summary['size_bytes'] / 1e6:,.1f} MB", file=sys.stderr)
    return 1 if stats.problems else 0
