"""`unspin data`: build the synthetic (spun, clean) splits, and the committed evaluation suite.

    unspin data build [--out .cache/data] [--limit-articles N] [--rates 0.1,0.2,0.3,0.45] ...
    unspin data suite [--data .cache/data] [--out eval/suites/synthetic] [--rows 300]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from repair.errors import UnspinError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "data",
        help="build synthetic spun/clean training data",
        description="Build aligned (spun, clean) paragraph chunks from the shared corpus with the "
        "synthetic spinner and garbler.",
    )
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    from repair.synth.data import DataConfig

    defaults = DataConfig()
    build = commands.add_parser("build", help="build train/validation/test JSONL into .cache/data",
                                description="Splits: train and validation from news.jsonl.gz (by article-id hash), "
                                "test from news_test.jsonl.gz only. Resumable: finished steps are cached.")
    build.add_argument("--out", type=Path, default=None, help="output folder (default .cache/data)")
    build.add_argument("--train-corpus", type=Path, default=None, help="default ../shared/corpus/news.jsonl.gz")
    build.add_argument("--test-corpus", type=Path, default=None, help="default ../shared/corpus/news_test.jsonl.gz")
    build.add_argument("--limit-articles", type=_limit, default=defaults.limit_articles, help="training-file articles to read, 0 = all (default %(default)s)")
    build.add_argument("--limit-test-articles", type=_limit, default=defaults.limit_test_articles, help="test-file articles to read, 0 = all (default all)")
    build.add_argument("--rates", type=_rates, default=defaults.spin_rates, help="spinner rates, comma-separated (default %(default)s)")
    build.add_argument("--clean-share", type=float, default=defaults.clean_share, help="share of chunks left clean (rate 0) (default %(default)s)")
    build.add_argument("--garble-share", type=float, default=defaults.garble_share, help="share of chunks with MT garble (default %(default)s)")
    build.add_argument("--sources", choices=["restorer", "broad"], default=defaults.sources, help="spinner source preset (default %(default)s)")
    build.add_argument("--max-words", type=int, default=defaults.max_words, help="longest chunk in words (default %(default)s)")
    build.add_argument("--held-out-share", type=float, default=defaults.held_out_share, help="share of substitution types kept out of train (default %(default)s)")
    build.add_argument("--models", default=None, help="models folder (default: the shipped models/)")
    build.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    build.set_defaults(run=run_build)
    suite = commands.add_parser("suite", help="write the fixed evaluation suite from the built test split")
    suite.add_argument("--data", type=Path, default=None, help="built data folder (default .cache/data)")
    suite.add_argument("--out", type=Path, default=None, help="default eval/suites/synthetic")
    suite.add_argument("--rows", type=int, default=300, help="rows in the suite (default %(default)s)")
    suite.set_defaults(run=run_suite)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return args.run(args)


def _limit(value: str) -> int | None:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 (all) or more")
    return number or None


def _rates(value: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in value.split(",") if v.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a comma-separated list of rates") from error


def run_build(args: argparse.Namespace) -> int:
    from repair.synth.data import DataConfig, build_splits
    from repair.paths import cache_dir, corpus_path, models_dir
    from repair.resources.thesaurus import Thesaurus

    config = DataConfig(spin_rates=args.rates, clean_share=args.clean_share, garble_share=args.garble_share,
                        sources=args.sources, max_words=args.max_words, held_out_share=args.held_out_share,
                        limit_articles=args.limit_articles, limit_test_articles=args.limit_test_articles)
    root = Path(args.models) / "thesaurus" if args.models else models_dir() / "thesaurus"
    out = args.out or cache_dir() / "data"
    train, test = args.train_corpus or corpus_path("train"), args.test_corpus or corpus_path("test")
    print(f"unspin data build: {train.name} (limit {config.limit_articles or 'all'} articles) + {test.name} "
          f"-> {out}; rates {config.spin_rates}, clean {config.clean_share}, garble {config.garble_share}",
          file=sys.stderr)
    summary = build_splits(config, train, test, out, Thesaurus.load(root), root, progress=not args.quiet)
    state = "cached, nothing to do" if summary.cached else f"built in {summary.seconds:.0f}s"
    print(f"{state}: {out}", file=sys.stderr)
    for split in summary.counts:
        print(f"  {split:10s} {summary.counts[split]:7d} rows  {summary.words[split]:9d} words  "
              f"{summary.substitutions[split]:7d} substitutions", file=sys.stderr)
    print(json.dumps(dataclasses.asdict(summary)))
    return 0


def run_suite(args: argparse.Namespace) -> int:
    from repair.synth.data import pairs_of, suite_rows
    from repair.paths import REPO_ROOT, cache_dir

    source = (args.data or cache_dir() / "data") / "test.jsonl"
    if not source.is_file():
        raise UnspinError(f"no built test split at {source}; run 'unspin data build' first")
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line]
    chosen = suite_rows(rows, args.rows)
    out = args.out or REPO_ROOT / "eval" / "suites" / "synthetic"
    out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out / "test.jsonl", chosen)
    _write_jsonl(out / "pairs.jsonl", pairs_of(chosen))
    clean = sum(1 for r in chosen if r["rate"] == 0)
    print(f"wrote {len(chosen)} rows ({clean} clean) to {out}/test.jsonl and pairs.jsonl", file=sys.stderr)
    return 0


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
