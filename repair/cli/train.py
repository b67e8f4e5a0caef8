"""`unspin train tokenizer|detector|mlm|restorer`: train the tokenizer or a model.

Each target is a thin call into the library; targets register in ``TARGETS`` (name -> add
function), so another trainer (the restorer) is one more entry.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from repair.paths import REPO_ROOT, cache_dir, corpus_path, models_dir, shared_dir


# The committed synthetic test suite (test split): what trained models are finally measured on.
SUITE = REPO_ROOT / "eval" / "suites" / "synthetic" / "test.jsonl"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def add_tokenizer(targets) -> None:
    from repair.tokenizer import TokenizerConfig

    defaults = TokenizerConfig()
    parser = targets.add_parser("tokenizer", help="train the shared sentencepiece tokenizer on a corpus sample")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus .jsonl.gz (default: ../shared/corpus/news.jsonl.gz)")
    parser.add_argument("-o", "--out", type=Path, default=None, help="output folder (default: models/tokenizer)")
    parser.add_argument("--vocab-size", type=int, default=defaults.vocab_size)
    parser.add_argument("--sample", type=int, default=defaults.sample_paragraphs, help="paragraphs sampled from the corpus")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.set_defaults(run=run_tokenizer)


def run_tokenizer(args: argparse.Namespace) -> int:
    from repair.errors import InputError
    from repair.tokenizer import TokenizerConfig, corpus_paragraphs, sample_paragraphs, train_tokenizer

    corpus = args.corpus or corpus_path("train")
    if not corpus.is_file():
        raise InputError(f"corpus not found: {corpus}")
    config = TokenizerConfig(vocab_size=args.vocab_size, sample_paragraphs=args.sample, seed=args.seed)
    out = args.out or models_dir() / "tokenizer"
    started = time.time()
    sample = sample_paragraphs(corpus_paragraphs(corpus), config.sample_paragraphs, config.seed)
    log(f"training {config.model_type} tokenizer, vocab {config.vocab_size}, on {len(sample):,} paragraphs "
        f"({sum(map(len, sample)):,} chars) from {corpus}; expect about a minute on 2 cores")
    tokenizer = train_tokenizer(sample, out, config)
    log(f"wrote {out} (vocab {tokenizer.vocab_size}) in {time.time() - started:.0f} s")
    return 0


def add_detector(targets) -> None:
    # Defaults live in TrainConfig; options left out keep them (importing it here would pull
    # torch into every `unspin` call).
    parser = targets.add_parser(
        "detector",
        help="train the word-tagging detector on the synthetic dataset (CPU by default, GPU if present)",
        description="Trains, calibrates on validation, evaluates on test, writes models/detector. "
        "Defaults (see repair.train.detector.TrainConfig) finish in under an hour on 2 CPU cores.",
    )
    parser.add_argument("--data", type=Path, default=None, help="dataset folder with train/validation/test (default: .cache/data)")
    parser.add_argument("-o", "--out", type=Path, default=None, help="output model folder (default: models/detector)")
    parser.add_argument("--run-dir", type=Path, default=None, help="checkpoints and logs (default: .cache/runs/detector-<base>)")
    parser.add_argument("--base", choices=["minilm", "spm"], help="fine-tuned MiniLM (default) or a from-scratch small BERT on our tokenizer")
    parser.add_argument("--frozen-layers", type=int, help="lowest MiniLM layers kept frozen")
    parser.add_argument("--max-train-rows", type=int, help="rows sampled from the train split")
    parser.add_argument("--max-eval-rows", type=int, help="rows sampled from validation and test")
    parser.add_argument("--max-steps", type=int, help="optimiser steps at most")
    parser.add_argument("--max-minutes", type=float, help="wall-clock budget of the optimiser loop")
    parser.add_argument("--batch-pieces", type=int, help="padded pieces per batch")
    parser.add_argument("--lr", type=float, help="peak learning rate")
    parser.add_argument("--seed", type=int, help="seed for sampling, init and batch order")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--passage-prior", type=float, help="share of spun passages the passage score is calibrated to")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in the run folder")
    parser.add_argument("--evaluate-only", action="store_true", help="no training: calibrate, fuse with the lexicon and evaluate the run folder's checkpoint")
    parser.add_argument("--fit-cascade", action="store_true", help="no training: refit only the cascade gate of the shipped detector and measure the cascade (minutes)")
    parser.add_argument("--max-tagged-clean-share", type=float, help="share of clean validation words the cascade may send to the tagger")
    parser.add_argument("--weak-threshold", type=float, help="fused-probability floor of the cascade's weak spans (1 = none)")
    parser.set_defaults(run=run_detector)


def run_detector(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from repair.train.detector import TrainConfig, refit_cascade, train_detector

    names = ("base", "frozen_layers", "max_train_rows", "max_eval_rows", "max_steps", "max_minutes", "batch_pieces", "lr", "seed", "passage_prior",
             "max_tagged_clean_share", "weak_threshold")
    config = replace(TrainConfig(), **{n: getattr(args, n) for n in names if getattr(args, n) is not None})
    measured = dict(
        suite=SUITE,
        seeds=read_seeds(shared_dir() / "seeds"),
        seed_substitutions=read_substitutions(REPO_ROOT / "seeds" / "003_substitutions.tsv"),
    )
    if args.fit_cascade:
        out_dir = args.out or models_dir() / "detector"
        refit_cascade(config, data_dir=args.data or cache_dir() / "data", out_dir=out_dir, models_root=models_dir(), log=log, **measured)
        return 0
    train_detector(
        config,
        **measured,
        data_dir=args.data or cache_dir() / "data",
        out_dir=args.out or models_dir() / "detector",
        run_dir=args.run_dir or cache_dir() / "runs" / f"detector-{config.base}",
        models_root=models_dir(),
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
    from repair.train.restorer import TrainConfig

    defaults = TrainConfig()
    parser = targets.add_parser(
        "restorer",
        help="train the span restorer on the synthetic dataset (CPU by default, GPU if present)",
        description="Trains, evaluates on validation with gold spans, writes models/restorer. "
        "Defaults finish within 90 minutes on 2 CPU cores.",
    )
    parser.add_argument("--data", type=Path, default=None, help="dataset folder with train/validation (default: .cache/data)")
    parser.add_argument("-o", "--out", type=Path, default=None, help="output model folder (default: models/restorer, models/restorer/labeler for --kind labeler)")
    parser.add_argument("--run-dir", type=Path, default=None, help="checkpoints and logs (default: .cache/runs/restorer-seq2seq or restorer-<backend>)")
    parser.add_argument("--kind", choices=["seq2seq", "labeler"], default=defaults.kind, help="encoder-decoder with guided decoding (default), or the one-step span labeller")
    parser.add_argument("--backend", choices=["minilm", "scratch"], default=defaults.backend, help="labeller only: fine-tuned MiniLM encoder, or a small encoder from scratch on our tokenizer")
    parser.add_argument("--max-train-rows", type=int, default=defaults.max_train_rows)
    parser.add_argument("--max-steps", type=int, default=defaults.max_steps)
    parser.add_argument("--max-minutes", type=float, default=defaults.max_minutes, help="wall-clock budget of the optimiser loop")
    parser.add_argument("--batch-windows", type=int, default=defaults.batch_windows)
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate (default: 2e-4 minilm, 5e-4 scratch)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in the run folder")
    parser.add_argument("--retune", action="store_true", help="seq2seq only, no training: re-tune the score combination of the "
                        "trained model (with models/mlm when present) on validation and evaluate it")
    parser.set_defaults(run=run_restorer)


def run_restorer(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from repair.train.restorer import TrainConfig, train_restorer, tune_and_evaluate

    config = replace(
        TrainConfig(),
        kind=args.kind,
        backend=args.backend,
        max_train_rows=args.max_train_rows,
        max_steps=args.max_steps,
        max_minutes=args.max_minutes,
        batch_windows=args.batch_windows,
        lr=args.lr,
        seed=args.seed,
    )
    if args.retune:
        if args.kind != "seq2seq":
            raise SystemExit("unspin train restorer: --retune applies to --kind seq2seq only")
        tune_and_evaluate(args.out or models_dir() / "restorer", models_dir(), args.data or cache_dir() / "data", config, log,
                          corpus=corpus_path("train"), suite=SUITE)
        return 0
    train_restorer(
        config,
        data_dir=args.data or cache_dir() / "data",
        # The encoder-decoder is the shipped default; the labeller is kept beside it (see its card).
        out_dir=args.out or (models_dir() / "restorer" / ("" if args.kind == "seq2seq" else "labeler")),
        run_dir=args.run_dir or cache_dir() / "runs" / (f"restorer-{args.backend}" if args.kind == "labeler" else "restorer-seq2seq"),
        models_root=models_dir(),
        threads=args.threads,
        device_name=args.device,
        fresh=args.fresh,
        log=log,
        corpus=corpus_path("train"),
        suite=SUITE,
    )
    return 0


def add_mlm(targets) -> None:
    parser = targets.add_parser(
        "mlm",
        help="train the masked-word model on the clean corpus (CPU by default, GPU if present)",
        description="Fine-tunes MiniLM's top layers with a masked-LM head on training articles of the corpus "
        "(validation articles and the test file are never read) and writes models/mlm. "
        "Defaults (see repair.train.mlm.MlmTrainConfig) finish in about 50 minutes on 2 CPU cores.",
    )
    parser.add_argument("--corpus", type=Path, default=None, help="corpus .jsonl.gz (default: ../shared/corpus/news.jsonl.gz)")
    parser.add_argument("-o", "--out", type=Path, default=None, help="output model folder (default: models/mlm)")
    parser.add_argument("--run-dir", type=Path, default=None, help="checkpoints (default: .cache/runs/mlm)")
    parser.add_argument("--max-minutes", type=float, help="wall-clock budget of the optimiser loop")
    parser.add_argument("--max-steps", type=int, help="optimiser steps at most")
    parser.add_argument("--batch-windows", type=int, help="windows per step")
    parser.add_argument("--trained-layers", type=int, help="top MiniLM layers fine-tuned")
    parser.add_argument("--max-articles", type=int, help="corpus articles read, 0 = all")
    parser.add_argument("--seed", type=int, help="seed for data order, masking and initialisation")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in the run folder")
    parser.set_defaults(run=run_mlm)


def run_mlm(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from repair.errors import InputError
    from repair.train.mlm import MlmTrainConfig, train_mlm

    corpus = args.corpus or corpus_path("train")
    if not corpus.is_file():
        raise InputError(f"corpus not found: {corpus}")
    names = ("max_minutes", "max_steps", "batch_windows", "trained_layers", "max_articles", "seed", "threads")
    config = replace(MlmTrainConfig(), **{n: getattr(args, n) for n in names if getattr(args, n) is not None})
    train_mlm(corpus, args.out or models_dir() / "mlm", args.run_dir or cache_dir() / "runs" / "mlm", config, fresh=args.fresh, log=log)
    return 0


# name -> function adding the target's parser.
TARGETS = {"tokenizer": add_tokenizer, "detector": add_detector, "mlm": add_mlm, "restorer": add_restorer}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train the tokenizer or a model", description=__doc__)
    targets = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    for add in TARGETS.values():
        add(targets)
