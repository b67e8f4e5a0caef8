"""`unspin train detector|restorer`: train a model on the synthetic dataset (``unspin data build``).

Each target is a thin call into ``repair.train``; targets register in ``TARGETS`` (name -> add
function). Both print their data and time budget before they start, and fix their seeds.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from repair.paths import REPO_ROOT, cache_dir, corpus_path, models_dir, shared_dir

# The committed synthetic test suite (test split): what trained models are finally measured on.
SUITE = REPO_ROOT / "eval" / "suites" / "synthetic" / "test.jsonl"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def add_common(parser: argparse.ArgumentParser, folder: str) -> None:
    """Options every trainer has: where data, models, output and checkpoints are; seed, threads, device."""
    parser.add_argument("--data", type=Path, default=None, help="dataset folder with train/validation/test (default: .cache/data)")
    parser.add_argument("--models", default=None, help="models folder with the thesaurus and n-gram counts (default: the shipped models/ or $UNSPIN_MODELS)")
    parser.add_argument("-o", "--out", type=Path, default=None, help=f"output model folder (default: MODELS/{folder})")
    parser.add_argument("--run-dir", type=Path, default=None, help=f"checkpoints and logs (default: .cache/runs/{folder})")
    parser.add_argument("--max-train-rows", type=int, help="rows sampled from the train split")
    parser.add_argument("--max-steps", type=int, help="optimiser steps at most")
    parser.add_argument("--max-minutes", type=float, help="wall-clock budget of the optimiser loop")
    parser.add_argument("--lr", type=float, help="peak learning rate")
    parser.add_argument("--seed", type=int, help="seed for sampling, initialisation and batch order")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in the run folder")


def overrides(args: argparse.Namespace, names: tuple[str, ...]) -> dict:
    """The config fields given on the command line (options left out keep the config's defaults)."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def places(args: argparse.Namespace, folder: str) -> dict:
    """Data, output and run folders, the shared resources and the corpus, from the options."""
    from repair.resources.shared import Resources

    root = Path(args.models) if args.models else models_dir()
    return dict(
        data_dir=args.data or cache_dir() / "data",
        out_dir=args.out or root / folder,
        resources=Resources.load(root),
        corpus=corpus_path("train"),
    )


def add_detector(targets) -> None:
    # Defaults live in DetectorTrainConfig; importing it here would pull torch into every `unspin` call.
    parser = targets.add_parser(
        "detector",
        help="train the word-tagging detector on the synthetic dataset (CPU by default, GPU if present)",
        description="Fine-tunes MiniLM as a word tagger, calibrates it and fits the fusion and cascade on validation, "
        "evaluates on test, writes models/detector. Defaults (repair.train.detector.DetectorTrainConfig) "
        "finish in under an hour on 2 CPU cores.",
    )
    add_common(parser, "detector")
    parser.add_argument("--frozen-layers", type=int, help="lowest MiniLM layers kept frozen")
    parser.add_argument("--max-eval-rows", type=int, help="rows sampled from validation and test")
    parser.add_argument("--batch-pieces", type=int, help="padded pieces per batch")
    parser.add_argument("--passage-prior", type=float, help="share of spun passages the passage score is calibrated to")
    parser.add_argument("--evaluate-only", action="store_true", help="no training: calibrate, fuse and evaluate the run folder's checkpoint")
    parser.add_argument("--fit-cascade", action="store_true", help="no training: refit only the cascade gate of the shipped detector and measure the cascade (minutes)")
    parser.add_argument("--max-tagged-clean-share", type=float, help="share of clean validation words the cascade may send to the tagger")
    parser.add_argument("--weak-threshold", type=float, help="fused-probability floor of the cascade's weak spans (1 = none)")
    parser.set_defaults(run=run_detector)


def run_detector(args: argparse.Namespace) -> int:
    from repair.train.detector import DetectorTrainConfig, refit_cascade, train_detector

    names = ("frozen_layers", "max_train_rows", "max_eval_rows", "max_steps", "max_minutes", "batch_pieces", "lr", "seed",
             "passage_prior", "max_tagged_clean_share", "weak_threshold")
    config = replace(DetectorTrainConfig(), **overrides(args, names))
    measured = dict(
        suite=SUITE,
        seeds=read_seeds(shared_dir() / "seeds"),
        seed_substitutions=read_substitutions(REPO_ROOT / "seeds" / "003_substitutions.tsv"),
    )
    if args.fit_cascade:
        refit_cascade(config, **places(args, "detector"), log=log, **measured)
        return 0
    train_detector(
        config,
        **places(args, "detector"),
        **measured,
        run_dir=args.run_dir or cache_dir() / "runs" / "detector",
        threads=args.threads,
        device_name=args.device,
        fresh=args.fresh,
        log=log,
        evaluate_only=args.evaluate_only,
    )
    return 0


def read_seeds(folder: Path) -> dict[str, str]:
    """Seed texts by file name, for measurement only (empty when ../shared is absent)."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))} if folder.is_dir() else {}


def read_substitutions(path: Path) -> list[tuple[str, str]]:
    """(original, spun) pairs of the lead's hand estimate for seed 003 (measurement only)."""
    if not path.is_file():
        return []
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [(row[0], row[1]) for row in rows if len(row) >= 2]


def add_restorer(targets) -> None:
    parser = targets.add_parser(
        "restorer",
        help="train the encoder-decoder restorer on the synthetic dataset (CPU by default, GPU if present)",
        description="Trains the encoder-decoder, tunes its score combination on validation rows no expert has seen, "
        "evaluates it with gold spans on the committed suite, writes models/restorer. Defaults "
        "(repair.train.restorer.RestorerTrainConfig) finish within 90 minutes on 2 CPU cores.",
    )
    add_common(parser, "restorer")
    parser.add_argument("--batch-windows", type=int, help="sentences per batch")
    parser.add_argument("--retune", action="store_true", help="no training: re-tune the score combination of the "
                        "trained model on validation and evaluate it")
    parser.set_defaults(run=run_restorer)


def run_restorer(args: argparse.Namespace) -> int:
    from repair.train.restorer import RestorerTrainConfig, train_restorer, tune_and_evaluate

    names = ("max_train_rows", "max_steps", "max_minutes", "batch_windows", "lr", "seed")
    config = replace(RestorerTrainConfig(), **overrides(args, names))
    if args.retune:
        tune_and_evaluate(config, **places(args, "restorer"), log=log, suite=SUITE)
        return 0
    train_restorer(
        config,
        **places(args, "restorer"),
        run_dir=args.run_dir or cache_dir() / "runs" / "restorer",
        threads=args.threads,
        device_name=args.device,
        fresh=args.fresh,
        log=log,
        suite=SUITE,
    )
    return 0


# name -> function adding the target's parser.
TARGETS = {"detector": add_detector, "restorer": add_restorer}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a model", description=__doc__)
    targets = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    for add in TARGETS.values():
        add(targets)
