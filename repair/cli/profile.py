"""`unspin profile`: learn one substitution map from a batch of files from one source."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing
from pathlib import Path

from repair.cli.detect import EPILOG, add_input_arguments, common_options, factory_from, input_items, print_summary, probability, report_problem
from repair.io.outcomes import Summary
from repair.pipeline.config import RepairConfig

PROFILE_EPILOG = EPILOG + """

A content farm spins every article with the same spinner, so its articles share one substitution
map. `profile` repairs each input as `fix` would (writing nothing), keeps the documents the
detector calls spun, and pools their restorers' decisions into one map, most frequent first:

  unspin profile farm/ -o farm-profile.json     # learn it (prints the map with -q off)
  unspin fix farm/ -o fixed/ --profile farm-profile.json

With --profile, `fix` pools the profile with each spun document's own decisions, so a word the
batch restored consistently is restored in every spun document, also where the detector did
not flag it. Documents the detector calls clean are never touched by the profile. Read the map
before using it: a wrong line there is a wrong edit in every document."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "profile",
        help="learn a batch's substitution map (for fix --profile)",
        description="Learn one spinner profile (substitution map) from many files of one source.",
        epilog=PROFILE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="files or folders (recursive); '-' reads stdin")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="PROFILE",
                        help="write the profile (JSON) here; '-' or none: print it on stdout")
    parser.add_argument("--format", choices=["text", "json"], default="text",
                        help="stdout: one map line per entry ('old -> new xCOUNT, CONFIDENCE'), or the profile JSON")
    parser.add_argument("--threshold", type=probability, default=RepairConfig.threshold,
                        help="passage score at which a document counts as spun (default %(default)s)")
    parser.add_argument("--min-confidence", type=probability, default=RepairConfig.min_confidence,
                        help="learn from the edits fix would make at this calibrated confidence; lower it to let "
                             "the batch's counts decide word swaps no single document is sure of (default: the kind's calibrated threshold)")
    add_input_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: they import the pipeline and numpy, which `unspin --help` does not need.
    import json

    from repair.document.profile import learn_profile
    from repair.io.batch import run_batch, terminate_as_interrupt

    factory = factory_from(args, threshold=args.threshold, min_confidence=args.min_confidence)
    items = input_items(args, skip=[args.output] if args.output is not None else [])
    options = common_options(args, task="fix", dry_run=True)
    summary, documents = Summary(), []
    with terminate_as_interrupt(), closing(run_batch(items, factory, options, engine=args.engine, summary=summary)) as outcomes:
        for outcome in outcomes:
            report_problem(outcome)
            if outcome.status == "done" and outcome.spun:
                documents.append(outcome.edit_objects())
    profile = learn_profile(documents)
    to_stdout = args.output is None or args.output == Path("-")
    if not to_stdout:
        profile.save(args.output)
    if to_stdout and args.format == "json":
        print(json.dumps(profile.to_dict(), indent=1, ensure_ascii=False))
    elif to_stdout or not args.quiet:  # with -o, the map goes to stderr for a first read
        stream = sys.stdout if to_stdout else sys.stderr
        print(f"# {len(profile.entries)} map entries from {profile.documents} spun of {summary.done} documents", file=stream)
        for entry in profile.entries:
            print(entry, file=stream)
    print_summary(summary, args.quiet)
    return summary.exit_code
