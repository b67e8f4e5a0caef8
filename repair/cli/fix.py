"""`unspin fix`: repair files, folders or stdin; never overwrites an input unless --in-place."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from repair.cli.detect import (
    EPILOG,
    add_input_arguments,
    common_options,
    factory_from,
    input_items,
    phrase_list,
    phrases_record,
    print_summary,
    probability,
    report_problem,
)
from repair.document.profile import substitution_map
from repair.errors import UnspinError
from repair.io.inputs import STDIN
from repair.io.manifest import MANIFEST_NAME
from repair.io.options import BatchOptions
from repair.io.outcomes import FileOutcome, Summary
from repair.pipeline.config import RepairConfig

FIX_EPILOG = EPILOG + """

Outputs: one file without -o prints the repaired text to stdout (same encoding as the input).
-o OUTDIR mirrors the input tree there and writes OUTDIR/unspin-manifest.jsonl; re-running
resumes (files whose manifest entry is done and whose input hash is unchanged are skipped).
--in-place rewrites changed inputs, keeping a copy with --backup-suffix (an existing backup,
the older original, is never overwritten). Writes are atomic
(temp file + rename), so Ctrl-C never leaves a half-written file.

PDF inputs: a PDF cannot be rewritten, so `fix` writes the repaired TEXT of its text layer
(pages separated by a form feed line): NAME.txt in OUTDIR with -o, or stdout; --in-place
refuses a PDF. Edits carry a 1-based "page" in --format json. A scanned PDF without a text
layer, an encrypted or a corrupt one fails by itself, with its reason; the others go on.

Review pages: --format html writes one self-contained HTML page per input showing every edit
(source, confidence, alternatives, reason), the score, risk level and substitution map:
-o review.html (or stdout) for one input, -o FOLDER for several (NAME.html per input)."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="repair spun/garbled text",
        description="Repair spun or garbled text, leaving everything else byte for byte as it was.",
        epilog=FIX_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="files or folders (recursive); '-' reads stdin and writes stdout")
    parser.add_argument("-o", "--output", dest="outdir", type=Path, default=None, metavar="OUTDIR", help="write repaired files here, mirroring the input tree")
    parser.add_argument("--in-place", action="store_true", help="rewrite changed inputs (a backup is kept, see --backup-suffix)")
    parser.add_argument("--backup-suffix", default=".orig", help="suffix of the backup --in-place keeps ('' for none; default %(default)s)")
    parser.add_argument("--format", choices=["text", "json", "html"], default="text",
                        help='stdout: repaired text, or JSON lines {"path","text","substitution_map","edits"}; html: a review page per input (see below)')
    parser.add_argument("--no-model", action="store_true", help="glossary only: no model restorer")
    parser.add_argument("--no-weak-spans", action="store_true",
                        help="restore only the spans the detector reports, not its weaker suspects (about 3x faster on heavily spun text, restores a little less)")
    parser.add_argument("--paragraphs-alone", action="store_true",
                        help="restore only paragraphs that score as spun themselves; by default, in a document with two or more spun paragraphs every paragraph's suspects are restored (a spinner spins the whole article)")
    parser.add_argument("--no-map-decisions", action="store_true",
                        help="decide each occurrence alone: no document-wide substitution map from the restorer's proposals and the document's word counts (fewer repairs, a little surer)")
    parser.add_argument("--no-map-lm", action="store_true",
                        help="the document map decider does not ask the pretrained language model about its entries (about twice as fast on spun documents, restores less; the LM is never loaded for clean ones)")
    parser.add_argument("--map-thesaurus", action="store_true",
                        help="the document map decider also judges thesaurus originals of words the restorer never flagged, where the document's word counts point to them (restores about 1 point more; about a quarter slower on spun documents)")
    parser.add_argument("--min-confidence", type=probability, default=RepairConfig.min_confidence, help="drop model edits whose calibrated confidence (the chance they are right) is below this; default: the restorer kind's calibrated threshold, chosen for 90%% of edits right (0.83 for seq2seq); lower it for more repairs and more mistakes")
    parser.add_argument("--threshold", type=probability, default=RepairConfig.threshold, help="passage score at which the model restorer runs (default %(default)s)")
    parser.add_argument("--index", type=Path, default=None, metavar="INDEX", help="archive index ('unspin index'): restore from the source wherever one is found")
    parser.add_argument("--profile", type=Path, default=None, metavar="PROFILE",
                        help="a batch's spinner profile ('unspin profile'): its map joins each spun document's own decisions")
    parser.add_argument("--diff", action="store_true", help="print unified diffs instead of writing")
    parser.add_argument("--dry-run", action="store_true", help="process and report, write nothing")
    parser.add_argument("--manifest", type=Path, default=None, help=f"manifest JSONL (default OUTDIR/{MANIFEST_NAME} with -o)")
    parser.add_argument("--no-resume", action="store_true", help="process every file even if the manifest says it is done")
    add_input_arguments(parser)
    parser.set_defaults(run=run)


def check_usage(args: argparse.Namespace) -> None:
    if args.outdir is not None and args.in_place:
        raise UnspinError("choose either -o OUTDIR or --in-place, not both")
    if STDIN in args.inputs and (args.outdir is not None or args.in_place):
        raise UnspinError("'-' (stdin) writes to stdout; it cannot be used with -o or --in-place")
    if args.outdir is not None and args.outdir.exists() and not args.outdir.is_dir():
        raise UnspinError(f"-o {args.outdir}: exists and is not a folder")


def to_stdout(args: argparse.Namespace) -> bool:
    """Whether repaired text goes to stdout (no -o, no --in-place, not a diff/dry run)."""
    return args.outdir is None and not args.in_place and not args.diff and not args.dry_run


def build_options(args: argparse.Namespace) -> BatchOptions:
    manifest = args.manifest or (args.outdir / MANIFEST_NAME if args.outdir is not None else None)
    return common_options(
        args, task="fix", outdir=args.outdir, in_place=args.in_place, backup_suffix=args.backup_suffix,
        diff=args.diff, dry_run=args.dry_run, manifest=manifest, resume=not args.no_resume,
        keep_text=to_stdout(args) or args.format == "json",
    )


def emit(outcome: FileOutcome, args: argparse.Namespace, extra: dict | None = None) -> None:
    report_problem(outcome)
    if outcome.status != "done" or outcome.resumed:
        return
    if args.format == "json":
        # The inferred map before the edits: an editor reads "mentioned -> said x14, 0.99" first.
        inferred = [entry.to_dict() for entry in substitution_map(outcome.edit_objects())]
        record = {"path": outcome.path, "text": outcome.text, "substitution_map": inferred,
                  "edits": list(outcome.edit_list), **(extra or {})}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    elif args.diff:
        sys.stdout.write(outcome.diff or "")
        sys.stdout.flush()
    elif to_stdout(args) and outcome.text is not None:
        sys.stdout.flush()
        sys.stdout.buffer.write(outcome.raw_encoding.encode(outcome.text) if outcome.text else b"")
        sys.stdout.buffer.flush()
    elif args.dry_run:
        state = f"{outcome.edits} edits" if outcome.changed else "unchanged"
        print(f"{outcome.path}\t{outcome.score:.3f}\t{state}", flush=True)


def run(args: argparse.Namespace) -> int:
    # Imported here: they import the pipeline and numpy, which `unspin --help` does not need.
    from repair.io.batch import run_batch, terminate_as_interrupt
    from repair.io.process import process_stdin

    factory = factory_from(args, threshold=args.threshold, min_confidence=args.min_confidence, use_model=not args.no_model, weak_spans=not args.no_weak_spans,
                           spun_document_paragraphs=None if args.paragraphs_alone else RepairConfig.spun_document_paragraphs,
                           map_decisions=not args.no_map_decisions, map_lm=not args.no_map_lm,
                           map_thesaurus=args.map_thesaurus)
    if args.format == "html":
        from repair.cli.review import run_reviews  # the page renderer, only when asked for
        return run_reviews(args, factory)
    check_usage(args)
    extra = phrases_record(phrase_list(args))
    if args.index is not None:
        from repair.archive.store import open_index

        open_index(args.index).close()  # a missing or bad index is a usage error before any work
        factory = replace(factory, index=str(args.index))
    if args.profile is not None:
        from repair.document.profile import SpinnerProfile

        SpinnerProfile.load(args.profile)  # a missing or bad profile is a usage error before any work
        factory = replace(factory, profile=str(args.profile))
    options = build_options(args)
    if args.inputs == [STDIN]:
        outcome = process_stdin(factory(), sys.stdin.buffer.read(), options)
        emit(outcome, args, extra)
        return 0 if outcome.status == "done" else 1
    skip = [p for p in (args.outdir, options.manifest) if p is not None]
    # Backups from an earlier --in-place run are not inputs.
    backups = [f"*{args.backup_suffix}"] if args.in_place and args.backup_suffix else []
    items = input_items(args, skip=skip, exclude=backups)
    if to_stdout(args) and args.format == "text" and len(items) != 1:
        raise UnspinError(f"{len(items)} input files: repaired text for several files needs -o OUTDIR, --in-place, --diff or --format json")
    summary = Summary()
    # closing(): on Ctrl-C the batch stops its workers and removes temp files right away.
    with terminate_as_interrupt(), closing(run_batch(items, factory, options, engine=args.engine, summary=summary)) as outcomes:
        for outcome in outcomes:
            emit(outcome, args, extra)
    if len(items) > 1 or args.outdir is not None or args.in_place:
        print_summary(summary, args.quiet)
    return summary.exit_code
