"""`unspin bench`: start-up, words/s for detect and fix (clean and spun text), a batch run per -j with
its peak memory, and the language model's rate. The defaults take about three minutes."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from repair.cli.detect import add_kind_arguments, models_root, positive


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure start-up, throughput and memory",
        description="Measure start-up time, words/s of detect and fix on clean and spun news (or on FILEs), "
        "the batch throughput and peak memory of 'unspin fix -o' with each -j value, and the language "
        "model's pieces/s. The defaults take about three minutes on two cores; raise --words, --folder-mb "
        "and -j for larger runs (--words 20000 --folder-mb 2 -j 1 2 is the old 40-minute run).",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="benchmark these files instead of generated news")
    # Defaults None: BenchConfig's own defaults apply (imported when the command runs, not for --help).
    parser.add_argument("--words", type=positive, default=None, help="words of clean and of spun text measured in process (default 1,200)")
    parser.add_argument("--folder-mb", type=float, default=None, help="size of the generated batch folder in MB, 0 to skip (default 0.015)")
    parser.add_argument("--folder", type=Path, default=None, help="keep the generated folder here (reused if it already has files)")
    parser.add_argument("-j", "--jobs", type=positive, nargs="*", default=None, help="worker counts to compare (default 1)")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS", help="stop each batch run after this long (Ctrl-C); rate from the files it finished")
    parser.add_argument("--lm-words", type=int, default=None, help="words the language model scores, 0 to skip (default 400)")
    parser.add_argument("--seed", type=int, default=None, help="spinner seed (default 0)")
    parser.add_argument("--models", default=None, help="models folder (default: the shipped models/ or $UNSPIN_MODELS)")
    add_kind_arguments(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text", help="table or JSON")
    parser.add_argument("-q", "--quiet", "--no-progress", dest="no_progress", action="store_true",
                        help="no progress bar on stderr (-q as in the other commands)")
    parser.set_defaults(run=run)


def bench_config(args: argparse.Namespace):
    from repair.evaluate.bench import BenchConfig

    given = {"words": args.words, "folder_mb": args.folder_mb, "jobs": tuple(args.jobs) if args.jobs else None,
             "seed": args.seed, "lm_words": args.lm_words}
    return BenchConfig(limit_s=args.time_limit, **{k: v for k, v in given.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from repair.evaluate.bench import format_table, run_bench
    from repair.io.options import RepairerFactory
    from repair.paths import corpus_path
    from repair.pipeline.config import RepairConfig

    models = models_root(args)
    factory = RepairerFactory(models=models, config=RepairConfig(detector=args.detector, restorer=args.restorer))
    # Held-out articles first; the training split only when a bigger folder is asked for.
    corpus = [corpus_path("test"), corpus_path("train")]
    kinds = ["--detector", args.detector, "--restorer", args.restorer]
    with tqdm(total=None, desc="unspin bench", unit="step", file=sys.stderr, disable=args.no_progress) as bar:
        def log(message: str) -> None:
            if not args.no_progress:
                bar.write(f"unspin bench: {message}", file=sys.stderr)

        results = run_bench(bench_config(args), factory, args.files, corpus=corpus, folder=args.folder, models=models,
                            kinds=kinds, log=log, progress=bar)
    if args.format == "json":
        print(json.dumps([m.to_dict() for m in results]))
    else:
        print(format_table(results))
    return 0
