"""``unspin train restorer``: train the encoder-decoder restorer (``repair.restore.seq2seq``), tune it, measure it.

The steps, in order:

1. cut the train split into labelled sentence windows (``repair.train.restorer_data``) and
   count the spun -> original phrase pairs of its substitutions (the restorer's prior);
2. train the encoder-decoder in the budgeted loop (``repair.train.loop``), checkpointing to
   the run folder, and save the model folder (``repair.restore.seq2seq.restorer.save_pretrained``);
3. tune the score combination (decoder, prior, corpus trigrams, copy bonus, temperature) on
   validation rows of articles no expert has seen (``repair.train.restorer_tune``);
4. measure the tuned restorer with gold spans on the committed suite (``repair.train.restorer_eval``).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path

import torch

from repair.errors import InputError
from repair.resources.ngram import holdout_article_ids
from repair.resources.shared import Resources
from repair.restore.seq2seq.decoding import decoder_ids
from repair.restore.seq2seq.model import EncoderDecoder, Seq2SeqConfig, build_seq2seq, trainable_names
from repair.restore.seq2seq.restorer import Seq2SeqRestorer, save_pretrained
from repair.restore.seq2seq.windows import load_wordpiece_encoder
from repair.synth.data import article_of
from repair.train.loop import CHECKPOINT_FILE, Budget, pick_device, seed_everything, train
from repair.train.restorer_data import LabeledWindow, phrase_pairs, seq2seq_loss, spinnable_words, training_windows
from repair.train.restorer_eval import evaluate
from repair.train.restorer_tune import COMBINATION_KEYS, gold_region_scores, tune_combination
from repair.train.rows import describe_rows, load_split, read_rows, write_json


@dataclass(frozen=True)
class RestorerTrainConfig:
    """Settings of one restorer training run (defaults end within 90 minutes on 2 shared CPU cores).

    Args:
        max_train_rows: rows drawn (seeded) from the train split.
        max_eval_rows: validation rows scored at the end when no suite is given (gold spans).
        max_steps: optimiser steps at most.
        max_minutes: wall-clock budget of the optimiser loop.
        batch_windows: sentences per batch.
        lr: peak learning rate of the encoder; the decoder and head learn ``decoder_lr_scale``
            times faster (they are new or repurposed, the encoder is only nudged).
        decoder_lr_scale: see ``lr``.
        weight_decay: AdamW's.
        warmup_steps: linear warm-up (it also ends after 5% of the time budget).
        negative_rate: chance that an unsubstituted word is marked (copy target).
        jitter_rate: chance that a gold region is widened by one unsubstituted neighbour.
        seed: sampling, noise, initialisation and batch order.
        checkpoint_minutes: how often the run folder receives a resumable checkpoint.
        tune_rows: at most this many validation rows, of articles no expert has seen, tune the
            score combination (it is then evaluated on the suite, or on up to ``max_eval_rows``
            other validation rows).
        tune_negative_rate: over-flagged words marked in the tuning rows (copy must win there).
    """

    max_train_rows: int = 100_000
    max_eval_rows: int = 500
    max_steps: int = 20_000
    max_minutes: float = 60.0
    batch_windows: int = 32
    lr: float = 2e-4
    decoder_lr_scale: float = 2.5
    weight_decay: float = 0.01
    warmup_steps: int = 200
    negative_rate: float = 0.06
    jitter_rate: float = 0.15
    seed: int = 13
    checkpoint_minutes: float = 5.0
    tune_rows: int = 300
    tune_negative_rate: float = 0.02

    def budget(self) -> Budget:
        """The optimiser loop's budget (linear warm-up, cosine decay to zero)."""
        return Budget(max_steps=self.max_steps, max_minutes=self.max_minutes, warmup_steps=self.warmup_steps,
                      checkpoint_minutes=self.checkpoint_minutes, log_every=25, seed=self.seed)


def restorer_optimiser(model: EncoderDecoder, config: RestorerTrainConfig, model_config: Seq2SeqConfig) -> torch.optim.AdamW:
    """AdamW over the shipped tensors (the rest are frozen); the decoder side learns faster than the encoder."""
    trainable = set(trainable_names(model, model_config))
    encoder_params, decoder_params = [], []
    for name, param in model.named_parameters():
        param.requires_grad = name in trainable
        if name in trainable:
            (encoder_params if name.startswith("encoder.") else decoder_params).append(param)
    groups = [{"params": encoder_params, "lr": config.lr}, {"params": decoder_params, "lr": config.lr * config.decoder_lr_scale}]
    return torch.optim.AdamW(groups, weight_decay=config.weight_decay)


def window_batches(windows: Sequence[LabeledWindow], size: int, seed: int) -> list[list[LabeledWindow]]:
    """Windows shuffled once (seeded) and cut into batches of ``size``; the loop shuffles their order per epoch."""
    order = list(range(len(windows)))
    random.Random(seed).shuffle(order)
    return [[windows[i] for i in order[lo : lo + size]] for lo in range(0, len(order), size)]


def train_restorer(
    config: RestorerTrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    run_dir: Path,
    resources: Resources,
    corpus: Path | None,
    model_config: Seq2SeqConfig = Seq2SeqConfig(),
    threads: int | None = None,
    device_name: str | None = None,
    fresh: bool = False,
    log: Callable[[str], None] = print,
    suite: Path | None = None,
) -> dict:
    """Train the encoder-decoder, save ``out_dir``, tune its score combination, evaluate it; returns the run's summary.

    Args:
        config: training settings.
        data_dir: folder with the ``train`` and ``validation`` splits.
        out_dir: model folder to write (``models/restorer``).
        run_dir: checkpoints and ``summary.json``.
        resources: the thesaurus (prior) and n-gram counts (trigram expert) the restorer runs with.
        corpus: the corpus the n-gram counts were built from (says which articles may tune).
        model_config: architecture and starting score settings of the model.
        threads: torch CPU threads (None leaves torch's default).
        device_name: ``cpu``/``cuda``; None picks cuda when present.
        fresh: start afresh even if ``run_dir`` holds a checkpoint.
        log: progress messages.
        suite: committed synthetic test suite (jsonl) the tuned restorer is measured on.
    """
    started = time.time()
    if threads:
        torch.set_num_threads(threads)
    seed_everything(config.seed)
    device = pick_device(device_name)
    rows = load_split(data_dir, "train", config.max_train_rows, config.seed)
    windows = training_windows(rows, config)
    spinnable, pairs = spinnable_words(rows), phrase_pairs(rows)
    log(f"train: {describe_rows(rows)} -> {len(windows):,} windows, {sum(len(w.regions) for w in windows):,} regions; "
        f"{len(pairs):,} spun phrases in the pair prior ({time.time() - started:.0f} s)")
    log(f"time: the optimiser loop at most {config.max_steps:,} steps or {config.max_minutes:g} min on {device}, batch "
        f"{config.batch_windows} windows; then tuning on at most {config.tune_rows} validation rows no expert has seen, "
        f"and evaluation on {suite or 'other validation rows'}")

    encoder = load_wordpiece_encoder()
    model = build_seq2seq(model_config, pretrained=True).to(device)
    optimiser = restorer_optimiser(model, config, model_config)
    loss_fn = partial(seq2seq_loss, encoder=encoder, config=model_config, special=decoder_ids(encoder), device=device)
    state = train(model, loss_fn, window_batches(windows, config.batch_windows, config.seed), optimiser, config.budget(),
                  checkpoint=run_dir / CHECKPOINT_FILE, resume=not fresh, log=log)
    save_pretrained(out_dir, model.to("cpu"), model_config, spinnable=spinnable, pairs=pairs)
    best, metrics, saved = tune_and_evaluate(config, data_dir=data_dir, out_dir=out_dir, resources=resources, corpus=corpus,
                                             log=log, suite=suite)
    summary = {
        "train_config": asdict(config),
        "restorer_config": saved.to_dict(),
        "train_rows": len(rows),
        "windows": len(windows),
        "steps": state.step,
        "train_minutes": state.minutes,
        "total_minutes": (time.time() - started) / 60,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "tuning": best,
        "gold_spans": metrics,
    }
    write_json(run_dir / "summary.json", summary)
    log(f"wrote {out_dir} in {summary['total_minutes']:.0f} min")
    return summary


def tuning_rows(data_dir: Path, resources: Resources, corpus: Path | None, config: RestorerTrainConfig,
                suite: Path | None) -> tuple[list[dict], list[dict]]:
    """(tuning rows, evaluation rows): validation rows of articles no expert has seen; the suite or other validation rows.

    Raises:
        InputError: the n-gram folder or the corpus does not say which articles the counts left out.
    """
    unseen = holdout_article_ids(resources.root, corpus) if corpus else None
    if unseen is None:
        raise InputError(f"{resources.root / 'ngram' / 'meta.json'} or {corpus} does not say which articles the trigram counts left out")
    validation = load_split(data_dir, "validation", None, config.seed)
    tune_set = [r for r in validation if article_of(r) in unseen][: config.tune_rows]
    eval_set = read_rows(suite) if suite else [r for r in validation if article_of(r) not in unseen][: config.max_eval_rows]
    return tune_set, eval_set


def tune_and_evaluate(
    config: RestorerTrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    resources: Resources,
    corpus: Path | None,
    log: Callable[[str], None] = print,
    suite: Path | None = None,
) -> tuple[dict, dict, Seq2SeqConfig]:
    """Tune the score combination of the restorer in ``out_dir``, save it, evaluate it with gold spans.

    The corpus trigrams join the combination (the grid may still give them weight 0). Tuning
    rows are validation rows of articles no expert has seen (not the trigram counts, not the
    decoder's training split); the result is measured on ``suite`` when given, else on other
    validation rows. Returns (tuning result, gold-span metrics, saved config).

    Raises:
        InputError: no tuning rows can be chosen, or they hold no region to tune on.
    """
    restorer = replace(Seq2SeqRestorer.from_pretrained(out_dir, resources), ngram=resources.ngram)
    tune_set, eval_set = tuning_rows(data_dir, resources, corpus, config, suite)
    log(f"tuning on {len(tune_set)} validation rows of {len({article_of(r) for r in tune_set})} unseen articles; "
        f"evaluating on {len(eval_set)} rows of {suite or 'validation'}")
    started = time.time()
    scored = gold_region_scores(restorer, tune_set, config)
    if not scored:
        raise InputError(f"no substitution to tune on among {len(tune_set)} validation rows of unseen articles")
    best = tune_combination(scored, log, with_ngram=True)
    log(f"scoring and tuning took {time.time() - started:.0f} s")
    saved = replace(restorer.config, **{k: best[k] for k in COMBINATION_KEYS})
    saved.save_pretrained(out_dir)
    metrics = evaluate(Seq2SeqRestorer.from_pretrained(out_dir, resources), eval_set)
    log(f"gold spans, {len(eval_set)} rows: restoration {metrics['restoration']:.3f}, damage "
        f"{metrics['damage_per_1000']:.2f}/1000, edit F0.5 {metrics['edit_f05']:.3f}, clean identical {metrics['clean_identical']}")
    return best, metrics, saved
