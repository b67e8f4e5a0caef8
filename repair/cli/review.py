"""`unspin fix --format html`: write review pages (one per input); the rendering is ``repair.evaluate.review``.

Not a subcommand of its own: ``fix`` hands over here when ``--format html`` is given.
-o PAGE.html (or no -o, or -o -: stdout) for one input; -o FOLDER for several, one page per
input at its relative path with ``.html`` appended. Each page is written atomically.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from repair.cli.detect import common_options, input_items
from repair.errors import InputError, UnspinError
from repair.io.files import atomic_writer
from repair.io.inputs import STDIN
from repair.io.options import RepairerFactory
from repair.io.review import PAGE_SUFFIX, page_path, review_page

STDOUT = Path("-")


def check_usage(args: argparse.Namespace) -> None:
    for flag, used in (("--in-place", args.in_place), ("--diff", args.diff), ("--dry-run", args.dry_run)):
        if used:
            raise UnspinError(f"--format html writes review pages; it cannot be used with {flag}")


def targets(args: argparse.Namespace, items) -> list[Path | None]:
    """Where each page goes (None: stdout)."""
    out = args.outdir
    if out is None or out == STDOUT:
        if len(items) != 1:
            raise UnspinError(f"{len(items)} inputs: review pages for several inputs need -o FOLDER")
        return [None]
    as_file = len(items) == 1 and items[0].path != STDIN and not out.is_dir() and (out.suffix.lower() in (PAGE_SUFFIX, ".htm") or not out.exists())
    if as_file:
        return [out]
    if out.exists() and not out.is_dir():
        raise UnspinError(f"-o {out}: exists and is not a folder (several inputs write one page each into a folder)")
    return [page_path(item, out) for item in items]


def run_reviews(args: argparse.Namespace, factory: RepairerFactory) -> int:
    """Render and write each input's page; an input that fails is named on stderr (exit 1)."""
    check_usage(args)
    options = common_options(args, task="fix")
    skip = [args.outdir] if args.outdir not in (None, STDOUT) and args.outdir.is_dir() else []
    items = input_items(args, skip=skip)
    pages = targets(args, items)
    stdin = sys.stdin.buffer.read() if items and items[0].path == STDIN else None
    repairer, failed = factory(), 0
    for item, target in zip(items, pages):
        try:
            page, result = review_page(repairer, item, options, stdin)
        except InputError as error:
            failed += 1
            print(f"unspin: error: {error}", file=sys.stderr)
            continue
        if target is None:
            sys.stdout.write(page)
            sys.stdout.flush()
            continue
        with atomic_writer(target) as handle:
            handle.write(page.encode("utf-8"))
        if not args.quiet:
            risk = result.detection.risk if result.detection else "clean"
            print(f"unspin: {target}: {len(result.edits)} edits, risk {risk}", file=sys.stderr)
    return 1 if failed else 0
