"""`unspin bench`: words/s for detect and fix (clean and spun text), -j 1 vs -j 2, peak memory."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from repair.cli.detect import add_kind_arguments, models_root, positive
from repair.evaluate.bench import BenchConfig, format_table, run_bench
from repair.io.options import RepairerFactory
from repair.paths import corpus_path
from repair.pipeline.config import RepairConfig


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure throughput and memory",
        description="Measure words/s of detect and fix on clean and spun news (or on FILEs), the "
        "batch throughput of 'unspin fix -o' with each -j value, and peak memory.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="benchmark these files instead of generated news")
    parser.add_argument("--words", type=positive, default=BenchConfig.words, help="words per in-process measurement (default %(default)s)")
    parser.add_argument("--folder-mb", type=float, default=BenchConfig.folder_mb, help="size of the generated batch folder in MB, 0 to skip (default %(default)s)")
    parser.add_argument("--folder", type=Path, default=None, help="keep the generated folder here (reused if it already has files)")
    parser.add_argument("-j", "--jobs", type=positive, nargs="*", default=list(BenchConfig.jobs), help="worker counts to compare (default 1 2)")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS", help="stop each batch run after this long (Ctrl-C); rate from the files it finished")
    parser.add_argument("--seed", type=int, default=BenchConfig.seed, help="spinner seed")
    parser.add_argument("--models", default=None, help="models folder (default: the shipped models/ or $UNSPIN_MODELS)")
    add_kind_arguments(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text", help="table or JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = BenchConfig(words=args.words, folder_mb=args.folder_mb, jobs=tuple(args.jobs), seed=args.seed, limit_s=args.time_limit)
    log = lambda message: print(f"unspin bench: {message}", file=sys.stderr, flush=True)  # noqa: E731
    models = models_root(args)
    factory = RepairerFactory(models=models, config=RepairConfig(detector=args.detector, restorer=args.restorer))
    # Held-out articles first; the training split only when a bigger folder is asked for.
    corpus = [corpus_path("test"), corpus_path("train")]
    kinds = ["--detector", args.detector, "--restorer", args.restorer]
    results = run_bench(config, factory, args.files, corpus=corpus, folder=args.folder, models=models, kinds=kinds, log=log)
    if args.format == "json":
        print(json.dumps([m.to_dict() for m in results]))
    else:
        print(format_table(results))
    return 0
