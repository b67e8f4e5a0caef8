"""``unspin train detector``: train the word tagger (``repair.detect.tagger``), fit what sits on it, measure.

The steps, in order:

1. fine-tune MiniLM with a one-logit head on the train split (``repair.train.detector_data``)
   in the budgeted loop (``repair.train.loop``), checkpointing to the run folder;
2. on validation rows, choose the word threshold and fit the passage calibrator, and save the
   tagger (fp16 weights of the trained layers, ``config.json``);
3. on the validation rows the n-gram counts never saw, fit the tagger + lexicon fusion and the
   cascade's gate (``repair.train.detector_fit``), recorded in the same ``config.json``;
4. measure tagger, lexicon, fusion and cascade on the committed suite, the test split and the
   seeds (``repair.train.detector_eval``) and write ``metrics.json`` and the generated card.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import torch

from repair.detect.config import TaggerConfig, TaggerSettings
from repair.detect.fusion import CombinedDetector
from repair.detect.lexicon import LexiconDetector, build_scorer
from repair.detect.tagger import Tagger, fast_bf16, length_batches, minilm_codec, save_tagger
from repair.errors import ModelNotFoundError
from repair.modeling.config import read_config
from repair.resources.ngram import holdout_article_ids
from repair.resources.shared import Resources
from repair.train.detector_card import model_card
from repair.train.detector_data import encode_rows, frozen_prefixes, initial_model, tagger_loss, with_clean_copies
from repair.train.detector_eval import compare_detectors, evaluate_rows, seed_report, summary
from repair.train.detector_fit import calibrate, fit_and_save_fusion, fit_cascade
from repair.train.loop import CHECKPOINT_FILE, Budget, load_checkpoint, pick_device, seed_everything, train
from repair.train.rows import describe_rows, load_split, read_rows, sample_rows, unseen_rows, write_json


@dataclass(frozen=True)
class DetectorTrainConfig:
    """Settings of one detector training run (defaults fit in under an hour on 2 CPU cores).

    Args:
        max_train_rows: rows drawn (seeded) from the train split.
        max_eval_rows: rows drawn from validation (threshold, calibration) and from test.
        max_steps: optimiser steps at most.
        max_minutes: wall-clock budget of the optimiser loop.
        batch_pieces: padded pieces per batch.
        max_pieces: window length in pieces.
        lr: peak learning rate (AdamW) after warm-up. A run of about a thousand steps needs it
            this high: at 1e-4 a 0.35-epoch run still put most substituted words below 0.5.
        frozen_layers: lowest MiniLM layers kept frozen (with the embeddings). Three of six:
            a step costs 3.0 s instead of 3.9 s on one core (4,096 pieces), so the budget sees
            about one epoch of the train split.
        weight_decay: AdamW's.
        warmup_steps: linear warm-up (it also ends after 5% of the time budget).
        seed: sampling, initialisation and batch order.
        max_clean_flag_rate: allowed share of flagged words in clean validation rows.
        passage_prior: share of spun passages the passage score is calibrated to. Real input
            is mostly clean, so the score is P(spun) when one paragraph in 100 is spun (the
            lexicon detector's prior too), not at the dataset's 80%: fitted at 1:1 odds, the
            old calibrator put clean seed paragraphs at 0.8-0.9.
        max_compare_rows: test rows on which the detectors are compared (the lexicon detector
            runs at about 500 words/s).
        checkpoint_minutes: how often the run folder receives a resumable checkpoint.
        max_tagged_clean_share: share of clean validation words the cascade may send to the
            tagger; fixes its gate (``choose_gate``), so only that share of clean text pays for it.
        weak_threshold: fused-probability floor of the cascade's weak spans. Chosen end to end
            (``scripts/tune_weak_spans.py``: the whole pipeline on the n-gram-unseen validation
            rows), because what a weak span is worth depends on the restorer.
        keep_lexicon: the cascade keeps the lexicon detector's spans and score in tagged paragraphs.
    """

    max_train_rows: int = 70_000
    max_eval_rows: int = 3_000
    max_steps: int = 6_000
    max_minutes: float = 45.0
    batch_pieces: int = 4096
    max_pieces: int = 256
    lr: float = 2e-4
    frozen_layers: int = 3
    weight_decay: float = 0.01
    warmup_steps: int = 300
    seed: int = 13
    max_clean_flag_rate: float = 0.0008
    passage_prior: float = 0.01
    max_compare_rows: int = 1_500
    checkpoint_minutes: float = 5.0
    max_tagged_clean_share: float = 0.1
    weak_threshold: float = 0.2
    keep_lexicon: bool = True

    def budget(self) -> Budget:
        """The optimiser loop's budget (linear warm-up, cosine decay to 2% of the peak)."""
        return Budget(max_steps=self.max_steps, max_minutes=self.max_minutes, warmup_steps=self.warmup_steps, min_lr_factor=0.02,
                      checkpoint_minutes=self.checkpoint_minutes, log_every=50, seed=self.seed)


def train_tagger(model: torch.nn.Module, rows: Sequence[dict], codec, config: DetectorTrainConfig, checkpoint: Path,
                 device: torch.device, *, fresh: bool, log: Callable[[str], None]) -> dict:
    """Optimise the tagger on ``rows`` in the budgeted loop; returns the run's provenance."""
    examples = encode_rows(rows, codec, config.max_pieces)
    batches = [[examples[i] for i in b] for b in length_batches([len(e.encoded.ids) for e in examples], config.batch_pieces)]
    model.to(device)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trained, lr=config.lr, weight_decay=config.weight_decay)
    bf16 = fast_bf16() if device.type == "cpu" else torch.cuda.is_bf16_supported()
    log(f"data: {len(examples):,} windows, {sum(len(e.encoded.ids) for e in examples):,} pieces; model "
        f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters ({sum(p.numel() for p in trained) / 1e6:.1f}M trained) "
        f"on {device}; bf16 autocast {bf16}")
    loss_fn = partial(tagger_loss, pad_id=codec.pad_id, device=device, bf16=bf16)
    state = train(model, loss_fn, batches, optimiser, config.budget(), checkpoint=checkpoint, resume=not fresh, log=log)
    return {"steps": state.step, "minutes": round(state.minutes, 2), "epochs": round(state.drawn / len(batches), 3),
            "batches_per_epoch": len(batches), "config": asdict(config), "device": str(device), "threads": torch.get_num_threads()}


def restore_trained(model: torch.nn.Module, run_dir: Path, out_dir: Path, log: Callable[[str], None]) -> dict:
    """Load the run's last checkpoint into ``model`` (``--evaluate-only``); returns the run's provenance.

    Raises:
        ModelNotFoundError: the run folder has no checkpoint.
    """
    checkpoint = run_dir / CHECKPOINT_FILE
    if not checkpoint.is_file():
        raise ModelNotFoundError(f"no checkpoint at {checkpoint}; train first")
    state = load_checkpoint(checkpoint, model)
    log(f"evaluating the checkpoint of step {state.step} ({state.minutes:.1f} min of training)")
    for source in (run_dir / "training.json", out_dir / "config.json"):
        if source.is_file():
            data = json.loads(source.read_text(encoding="utf-8"))
            return data.get("training", data)
    return {"steps": state.step, "minutes": round(state.minutes, 2)}


def fusion_and_gate_rows(data_dir: Path, resources: Resources, corpus: Path | None, seed: int, log: Callable[[str], None]) -> list[dict]:
    """Validation rows of the articles the n-gram counts never saw, plus a clean copy of each spun one.

    On the other articles the lexicon evidence is in-sample: a fusion fitted there chose a
    threshold with 0.8 clean flags per 1,000 validation words and gave 3.8 on the test split.
    """
    unseen = holdout_article_ids(resources.root, corpus) if corpus else None
    rows = unseen_rows(load_split(data_dir, "validation", None, seed), unseen, log)
    log(f"fusion and gate rows: {describe_rows(rows)} (validation articles outside the n-gram counts)")
    return with_clean_copies(rows, len(rows), seed)


def comparison_sets(suite: Path | None, test_rows: Sequence[dict], config: DetectorTrainConfig) -> dict[str, list[dict]]:
    """The row sets every detector is compared on: the committed suite and a seeded test sample."""
    return {
        "suite": read_rows(Path(suite)) if suite and Path(suite).is_file() else [],
        "test_split": sample_rows(test_rows, config.max_compare_rows, config.seed),
    }


def write_card(out_dir: Path, metrics: dict) -> None:
    """``metrics.json`` and ``MODEL_CARD.generated.md`` of the model folder."""
    write_json(out_dir / "metrics.json", metrics)
    (out_dir / "MODEL_CARD.generated.md").write_text(model_card(read_config(out_dir), metrics), encoding="utf-8")


def train_detector(
    config: DetectorTrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    run_dir: Path,
    resources: Resources,
    corpus: Path | None = None,
    threads: int | None = None,
    device_name: str | None = None,
    fresh: bool = False,
    log: Callable[[str], None] = print,
    suite: Path | None = None,
    seeds: dict[str, str] | None = None,
    seed_substitutions: Sequence[tuple[str, str]] = (),
    evaluate_only: bool = False,
) -> dict:
    """Train, calibrate, save (fp16) and evaluate the detector; returns the metrics it writes.

    Args:
        config: training settings.
        data_dir: folder with ``train``, ``validation`` and ``test`` splits.
        out_dir: model folder to write (``models/detector``).
        run_dir: checkpoints and ``training.json``.
        resources: thesaurus and n-gram counts of the lexicon detector the tagger is fused with.
        corpus: the corpus the n-gram counts were built from (says which articles they left out);
            None fits the fusion on all validation rows.
        threads: torch CPU threads (None leaves torch's default).
        device_name: ``cpu``/``cuda``; None picks cuda when present.
        fresh: start afresh even if ``run_dir`` holds a checkpoint.
        log: progress messages.
        suite: committed synthetic test suite (jsonl) to evaluate on as well.
        seeds: seed documents to measure (never trained on).
        seed_substitutions: estimated (original, spun) pairs of the spun seed, measurement only.
        evaluate_only: skip training; calibrate, fuse and evaluate the checkpoint in ``run_dir``.
    """
    started = time.time()
    if threads:
        torch.set_num_threads(threads)
    seed_everything(config.seed)
    device = pick_device(device_name)
    train_rows = [] if evaluate_only else load_split(data_dir, "train", config.max_train_rows, config.seed)
    validation_rows = load_split(data_dir, "validation", config.max_eval_rows, config.seed)
    test_rows = load_split(data_dir, "test", config.max_eval_rows, config.seed)
    log(f"train: {describe_rows(train_rows)}")
    log(f"validation: {describe_rows(validation_rows)}; test: {describe_rows(test_rows)}")
    log(f"time: the optimiser loop at most {config.max_steps:,} steps or {config.max_minutes:g} min, "
        "then about 15 min of calibration, fusion and evaluation")

    codec = minilm_codec()
    model, model_config = initial_model(config.frozen_layers)
    if evaluate_only:
        training = restore_trained(model, run_dir, out_dir, log)
    else:
        training = train_tagger(model, train_rows, codec, config, run_dir / CHECKPOINT_FILE, device, fresh=fresh, log=log)
        write_json(run_dir / "training.json", training)

    model = model.to("cpu").eval()
    tagger = Tagger(model, codec, TaggerSettings(max_pieces=config.max_pieces))
    calibration_rows = with_clean_copies(validation_rows, config.max_eval_rows // 2, config.seed)
    settings = calibrate(tagger, calibration_rows, config.max_clean_flag_rate, config.passage_prior)
    log(f"word threshold {settings.word_threshold:.2f}; calibrator {settings.calibrator}")
    save_tagger(model, out_dir, TaggerConfig(base="minilm", model=model_config, frozen=frozen_prefixes(config.frozen_layers),
                                             settings=settings, training=training))

    shipped = Tagger.from_pretrained(out_dir)  # measure what ships: fp16-rounded weights
    fusion_rows = fusion_and_gate_rows(data_dir, resources, corpus, config.seed, log)
    combined = fit_and_save_fusion(shipped, build_scorer(resources), fusion_rows, config, out_dir, log)
    cascade = fit_cascade(combined, fusion_rows, config, out_dir, log)
    metrics = {}
    if suite and Path(suite).is_file():
        metrics["suite"] = evaluate_rows(shipped, read_rows(Path(suite)))
        log(f"suite: {summary(metrics['suite'])}")
    metrics["test_split"] = evaluate_rows(shipped, test_rows)
    log(f"test split: {summary(metrics['test_split'])}")
    detectors = {"tagger": shipped, "lexicon": LexiconDetector(combined.scorer), "combined": combined, "cascade": cascade}
    metrics["comparison"] = compare_detectors(detectors, comparison_sets(suite, test_rows, config), seeds or {}, seed_substitutions, log)
    if seeds:
        metrics["seeds"] = seed_report(shipped, seeds, seed_substitutions)
    metrics["total_minutes"] = round((time.time() - started) / 60, 2)
    write_card(out_dir, metrics)
    log(f"done in {metrics['total_minutes']:.1f} min; metrics in {out_dir / 'metrics.json'}")
    return metrics


def refit_cascade(
    config: DetectorTrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    resources: Resources,
    corpus: Path | None = None,
    log: Callable[[str], None] = print,
    suite: Path | None = None,
    seeds: dict[str, str] | None = None,
    seed_substitutions: Sequence[tuple[str, str]] = (),
) -> dict:
    """Refit the cascade gate of the tagger and fusion in ``out_dir`` and measure the cascade.

    No training and no refit of the tagger or the fusion (``unspin train detector --fit-cascade``):
    a few minutes. The cascade's entry in ``metrics.json`` and the generated card are rewritten.

    Raises:
        ModelNotFoundError: ``out_dir`` has no fitted fusion.
    """
    started = time.time()
    saved = TaggerConfig.from_pretrained(out_dir)
    if saved.fusion is None:
        raise ModelNotFoundError(f"{out_dir / 'config.json'} has no fitted fusion; run 'unspin train detector' first")
    log("time: no training; fitting the gate and measuring the cascade (a few minutes)")
    tagger = Tagger.from_pretrained(out_dir)
    combined = CombinedDetector(tagger, build_scorer(resources), saved.fusion, tagger.settings.passage_threshold)
    cascade = fit_cascade(combined, fusion_and_gate_rows(data_dir, resources, corpus, config.seed, log), config, out_dir, log)
    test_rows = load_split(data_dir, "test", config.max_eval_rows, config.seed)
    metrics_path = out_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {"total_minutes": 0.0}
    comparison = metrics.setdefault("comparison", {})
    comparison.update(compare_detectors({"cascade": cascade}, comparison_sets(suite, test_rows, config), seeds or {}, seed_substitutions, log))
    write_card(out_dir, metrics)
    log(f"cascade refitted and measured in {(time.time() - started) / 60:.1f} min")
    return comparison["cascade"]
