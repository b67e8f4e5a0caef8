"""`unspin eval`: score repairs against references and write report.json, report.md, report.html.

Thin layer: reads pairs or seed files, loads the pipeline, calls ``repair.evaluate.harness`` and
writes what ``repair.evaluate.report`` renders. Examples::

    unspin eval --suite synthetic --out eval/reports/synthetic
    unspin eval --pairs pairs.jsonl --out runs/a            # pairs may carry "hypothesis"
    unspin eval --suite seeds --out eval/reports/seeds
    unspin eval --compare runs/a runs/b --out runs/a-vs-b   # paired bootstrap of two runs
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING


from repair import evaluate as ev
from repair.cli.detect import add_kind_arguments, models_root
from repair.errors import InputError, UnspinError
from repair.evaluate import report as rp
from repair.evaluate.markup import table_md
from repair.paths import REPO_ROOT, shared_dir
from repair.pipeline.config import RepairConfig

if TYPE_CHECKING:  # numpy and the pipeline are imported when a command runs, not for --help
    import numpy as np

    from repair.pipeline.repairer import Repairer

EXIT_OK, EXIT_FAILED = 0, 1
SEED_EXPECTATIONS = REPO_ROOT / "eval" / "suites" / "seeds.json"
SEED_NOTES = REPO_ROOT / "seeds"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score repairs against references; write report.json/md/html",
        description="Score Unspin (and the do-nothing and glossary-only baselines) on pairs of "
        "{source, reference}; write report.json, report.md, report.html and stats.npz to --out.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pairs", metavar="FILE", help="JSONL of {source, reference[, id, hypothesis, noise, subs]}; - for stdin")
    source.add_argument("--suite", choices=sorted([*ev.SUITES, ev.SEED_SUITE]), help="a built-in suite")
    source.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="two --out folders of earlier runs over the same pairs")
    parser.add_argument("-o", "--out", metavar="DIR", help="folder for the report files (created)")
    parser.add_argument("--no-model", action="store_true", help="evaluate glossary-only repair")
    parser.add_argument("--models", metavar="DIR", help="models folder (default: the shipped models/ or $UNSPIN_MODELS)")
    add_kind_arguments(parser)
    parser.add_argument("--phrases", type=Path, default=None, metavar="FILE",
                        help="a phrase list (TSV of 'phrase<TAB>expected', as for fix); its hash goes into the signatures (phrases:<sha8>)")
    parser.add_argument("--threshold", type=float, default=RepairConfig.threshold, help="passage threshold (default %(default)s)")
    parser.add_argument("--bootstrap", type=int, default=ev.EvalConfig.bootstrap, help="bootstrap resamples, 0 for none (default %(default)s)")
    parser.add_argument("--seed", type=int, default=ev.EvalConfig.seed, help="bootstrap seed (default %(default)s)")
    parser.add_argument("--worst", type=int, default=ev.EvalConfig.worst, help="worst examples kept in the report (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=ev.EvalConfig.batch_size, help="pairs per batch (default %(default)s)")
    parser.add_argument("--limit", type=int, help="evaluate only the first N pairs")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="summary printed on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


# ---------------------------------------------------------------- input


def read_lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    try:
        with open(path, encoding="utf-8") as handle:
            yield from handle
    except FileNotFoundError:
        raise InputError(f"pairs file {path!r} does not exist") from None
    except UnicodeDecodeError as error:
        raise InputError(f"pairs file {path!r} is not UTF-8 ({error.reason})") from None


def read_pairs(path: str, skipped: list[str]) -> Iterator[ev.Pair]:
    """Parse lines lazily; bad lines are reported on stderr, counted and skipped."""
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            yield ev.parse_pair(line, number)
        except InputError as error:
            skipped.append(str(error))
            print(f"unspin eval: {path}: {error} (skipped)", file=sys.stderr)


def count_lines(path: str) -> int | None:
    if path == "-" or not Path(path).is_file():
        return None
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def repair_config(args: argparse.Namespace, *, use_model: bool) -> RepairConfig:
    """The pipeline's settings from the options; the signatures are built from the same config."""
    return RepairConfig(detector=args.detector, restorer=args.restorer, threshold=args.threshold, use_model=use_model,
                        phrases=getattr(args, "phrases", None))


def load_repairer(args: argparse.Namespace, *, use_model: bool) -> Repairer:
    try:
        from repair.pipeline.repairer import Repairer

        return Repairer.load(Path(models_root(args)), config=repair_config(args, use_model=use_model))
    except ImportError as error:
        raise ev.EvalError(f"the pipeline's components are not built yet ({error})") from None


# ---------------------------------------------------------------- output


def write_outputs(report: dict, out: str | None, arrays: dict[str, np.ndarray] | None = None) -> None:
    if not out:
        return
    import numpy as np

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    markdown, page = rp.render(report)
    (folder / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    (folder / "report.html").write_text(page, encoding="utf-8")
    if arrays is not None:
        np.savez_compressed(folder / "stats.npz", **arrays)


def summary(report: dict) -> str:
    if report["kind"] == "pairs":
        header, rows = rp.headline_rows(report)
        return "\n".join(table_md(header, rows))
    if report["kind"] == "seeds":
        return "\n".join(table_md(rp.SEED_HEADER, rp.seed_rows(report)))
    return "\n".join(table_md(*rp.compare_rows(report)))


def emit(report: dict, args: argparse.Namespace) -> None:
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(summary(report))
        if args.out:
            print(f"wrote {Path(args.out) / 'report.html'}", file=sys.stderr)


# ---------------------------------------------------------------- commands


def eval_config(args: argparse.Namespace) -> ev.EvalConfig:
    return ev.EvalConfig(bootstrap=args.bootstrap, seed=args.seed, worst=args.worst, batch_size=max(1, args.batch_size))


def run_pairs(args: argparse.Namespace, repairer: Repairer | None = None) -> int:
    """Evaluate a pairs file or suite; ``repairer`` lets a caller reuse a loaded pipeline."""
    from tqdm import tqdm

    path = str(ev.suite_path(args.suite)) if args.suite else args.pairs
    skipped: list[str] = []
    pairs = read_pairs(path, skipped)
    if args.limit is not None:
        pairs = itertools.islice(pairs, args.limit)
    first = list(itertools.islice(pairs, 1))
    external = bool(first and first[0].hypothesis is not None)
    if repairer is None and not external:
        repairer = load_repairer(args, use_model=not args.no_model)
    elif repairer is None:
        try:
            repairer = load_repairer(args, use_model=False)
        except UnspinError as error:
            print(f"unspin eval: no glossary-only baseline ({error})", file=sys.stderr)
    # The signature names the line-up that ran: an external system's, or the loaded pipeline's.
    context = dict(ev.EXTERNAL_CONTEXT) if external else ev.run_context(repairer.config, Path(models_root(args)))
    total = count_lines(path)
    if args.limit is not None and total is not None:
        total = min(total, args.limit)
    with tqdm(total=total, unit="pair", desc="unspin eval", file=sys.stderr, disable=args.quiet) as bar:
        result = ev.evaluate(
            itertools.chain(first, pairs),
            ev.default_systems(repairer, external=external),
            suite=args.suite or Path(path).name,
            context=context,
            config=eval_config(args),
            progress=bar.update,
        )
    report = result.report | {"skipped": len(skipped)}
    write_outputs(report, args.out, ev.stats_arrays(result))
    emit(report, args)
    return EXIT_FAILED if skipped else EXIT_OK


def read_seeds(folder: Path) -> dict[str, str]:
    """Seed id ("003") -> text, from ../shared/seeds at run time (never copied into the repo)."""
    if not folder.is_dir():
        raise ev.EvalError(f"the seeds suite needs the seed documents in {folder} (../shared beside the checkout)")
    return {path.name.split("_", 1)[0]: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))}


def read_seed_substitutions(seed_ids) -> dict[str, list[tuple[str, str, int]]]:
    files = {seed_id: SEED_NOTES / f"{seed_id}_substitutions.tsv" for seed_id in seed_ids}
    return {sid: ev.parse_substitutions(p.read_text(encoding="utf-8")) for sid, p in files.items() if p.is_file()}


def run_seeds(args: argparse.Namespace, repairer: Repairer | None = None) -> int:
    """Evaluate the seed documents; ``repairer`` lets a caller reuse a loaded pipeline."""
    seeds = read_seeds(shared_dir() / "seeds")
    expectations = json.loads(SEED_EXPECTATIONS.read_text(encoding="utf-8"))["seeds"]
    repairer = repairer or load_repairer(args, use_model=not args.no_model)
    context = ev.run_context(repairer.config, Path(models_root(args)))
    report = ev.evaluate_seeds(
        repairer, seeds, expectations, substitutions=read_seed_substitutions(seeds), context=context
    )
    write_outputs(report, args.out)
    emit(report, args)
    return EXIT_OK


def load_run(folder: str) -> dict[str, np.ndarray]:
    import numpy as np

    path = Path(folder) / "stats.npz"
    if not path.is_file():
        raise InputError(f"{folder!r} is not an eval run: no stats.npz (write one with unspin eval --out)")
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def run_context(folder: str) -> dict:
    """What produced a run (detector, restorer, models digest, threshold), from its report.json if present."""
    path = Path(folder) / "report.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("context", {})


def run_compare(args: argparse.Namespace) -> int:
    run_a, run_b = args.compare
    labels = (Path(run_a).name or run_a, Path(run_b).name or run_b)
    if labels[0] == labels[1]:
        labels = (f"A:{labels[0]}", f"B:{labels[1]}")
    report = ev.compare_runs(
        load_run(run_a), load_run(run_b), labels=labels, contexts=(run_context(run_a), run_context(run_b)),
        config=eval_config(args),
    )
    write_outputs(report, args.out)
    emit(report, args)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.compare:
        return run_compare(args)
    if args.suite == ev.SEED_SUITE:
        return run_seeds(args)
    return run_pairs(args)
