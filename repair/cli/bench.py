"""`unspin bench`: words/s for detect and fix (clean and spun text), -j 1 vs -j 2, peak memory."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from repair.io.batch import RepairerFactory
from repair.evaluate.bench import BenchConfig, format_table, run_bench
from repair.cli.detect import positive
from repair.detect.registry import DETECTORS
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
    parser.add_argument("--models", default=None, help="models folder (default: the shipped models/)")
    parser.add_argument("--detector", choices=sorted(DETECTORS), default=RepairConfig.detector, help="detector to measure (default %(default)s)")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="table or JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = BenchConfig(words=args.words, folder_mb=args.folder_mb, jobs=tuple(args.jobs), seed=args.seed, limit_s=args.time_limit)
    log = lambda message: print(f"unspin bench: {message}", file=sys.stderr, flush=True)  # noqa: E731
    factory = RepairerFactory(models=args.models, config=RepairConfig(detector=args.detector))
    results = run_bench(config, factory, args.files, folder=args.folder, models=args.models, detector=args.detector, log=log)
    if args.format == "json":
        print(json.dumps([m.to_dict() for m in results]))
    else:
        print(format_table(results))
    return 0
