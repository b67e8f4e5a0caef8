"""What the detector fits after training, on validation rows: thresholds, calibrators, fusion, gate.

- the tagger's word threshold (best F1 with clean false flags held under a ceiling) and its
  passage calibrator (a prior-weighted logistic regression over passage features);
- the fusion of tagger and lexicon evidence per word (a logistic regression), with its own
  threshold and calibrator;
- the cascade's gate: the lexicon passage score above which a paragraph goes to the tagger.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from repair.detect.cascade import CascadeDetector
from repair.detect.config import CascadeSettings, Fusion, PassageCalibrator, TaggerConfig, TaggerSettings, passage_features
from repair.detect.fusion import FUSION_FEATURES, CombinedDetector, fusion_features
from repair.detect.lexicon import fit_logistic
from repair.detect.tagger import Tagger
from repair.synth.data import article_of
from repair.train.detector_data import word_labels


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


def predict_rows(tagger: Tagger, rows: Sequence[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Word probabilities and gold word labels of each row."""
    results = []
    for row, (words, probs) in zip(rows, tagger.word_probs([r["spun"] for r in rows])):
        results.append((probs, np.array(word_labels(row["spun"], words, row["subs"]), dtype=int)))
    return results


def choose_word_threshold(preds, rows: Sequence[dict], max_clean_flag_rate: float) -> float:
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
    labels = np.asarray(labels, dtype=float)
    positives, negatives = max(labels.sum(), 1.0), max((1 - labels).sum(), 1.0)
    weight = np.where(labels > 0, len(labels) * prior / positives, len(labels) * (1 - prior) / negatives)
    x = np.column_stack([features, np.ones(len(labels))])
    w = fit_logistic(x, labels, l2=l2, sample_weight=weight)
    return PassageCalibrator(tuple(float(v) for v in w[:-1]), float(w[-1]), prior)


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


def calibrate(tagger: Tagger, rows: Sequence[dict], max_clean_flag_rate: float, passage_prior: float) -> TaggerSettings:
    """The tagger's settings with the word threshold and passage calibrator fitted on ``rows``."""
    preds = predict_rows(tagger, rows)
    threshold = choose_word_threshold(preds, rows, max_clean_flag_rate)
    features, labels = passage_examples([p for p, _ in preds], rows)
    return replace(tagger.settings, word_threshold=threshold, calibrator=fit_calibrator(features, labels, passage_prior))


def fusion_data(detector: CombinedDetector, rows: Sequence[dict]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Fusion feature rows and gold word labels of each row."""
    xs, golds = [], []
    for row, (words, tagger_probs, _, analysis) in zip(rows, detector.word_probs([r["spun"] for r in rows])):
        xs.append(fusion_features(words, tagger_probs, analysis, detector.scorer.calibration.span))
        golds.append(np.array(word_labels(row["spun"], words, row["subs"]), dtype=int))
    return xs, golds


def fit_fusion(tagger: Tagger, scorer, rows: Sequence[dict], max_clean_flag_rate: float, passage_prior: float) -> CombinedDetector:
    """The fused detector with word weights, word threshold and passage calibrator fitted on ``rows``."""
    detector = CombinedDetector(tagger, scorer, Fusion(), tagger.settings.passage_threshold)
    xs, golds = fusion_data(detector, rows)
    weights = fit_logistic(np.concatenate(xs), np.concatenate(golds).astype(float), l2=1e-4)
    probs = [1.0 / (1.0 + np.exp(-np.clip(x @ weights, -40, 40))) for x in xs]
    threshold = choose_word_threshold(list(zip(probs, golds)), rows, max_clean_flag_rate)
    features, labels = passage_examples(probs, rows)
    fusion = Fusion(tuple(float(v) for v in weights), threshold, fit_calibrator(features, labels, passage_prior))
    return CombinedDetector(tagger, scorer, fusion, tagger.settings.passage_threshold)


def record(folder: Path, **fitted) -> None:
    """Put fitted parts (``fusion=``, ``cascade=``) into the ``TaggerConfig`` of a detector folder."""
    replace(TaggerConfig.from_pretrained(folder), **fitted).save_pretrained(folder)


def fit_and_save_fusion(tagger: Tagger, scorer, rows: Sequence[dict], config, out_dir: Path, log: Callable[[str], None]) -> CombinedDetector:
    """Fit the tagger + lexicon fusion on ``rows`` and record it in ``out_dir/config.json``."""
    combined = fit_fusion(tagger, scorer, rows, config.max_clean_flag_rate, config.passage_prior)
    fusion = combined.fusion
    log(f"fusion weights {dict(zip(FUSION_FEATURES, np.round(fusion.weights, 3)))}; word threshold {fusion.word_threshold:.2f}")
    record(out_dir, fusion=fusion)
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


def fit_cascade(combined: CombinedDetector, rows: Sequence[dict], config, out_dir: Path, log: Callable[[str], None]) -> CascadeDetector:
    """Fit the cascade gate on ``rows``' clean paragraphs and record it in ``out_dir/config.json``."""
    clean = [r["spun"] for r in rows if not r["subs"]]
    analyses = [combined.scorer.analyse(p) for p in clean]
    gate = choose_gate([a.score for a in analyses], [a.words for a in analyses], config.max_tagged_clean_share)
    settings = CascadeSettings(gate=math.ceil(gate * 1e6) / 1e6, weak_threshold=config.weak_threshold, keep_lexicon=config.keep_lexicon)
    log(f"cascade gate {settings.gate:.4g} (at most {config.max_tagged_clean_share:.0%} of {sum(a.words for a in analyses):,} "
        f"clean words reach the tagger); weak threshold {settings.weak_threshold}")
    record(out_dir, cascade=settings)
    with_weak = CombinedDetector(combined.tagger, combined.scorer, combined.fusion, combined.passage_threshold, settings.weak_threshold)
    return CascadeDetector.from_combined(with_weak, settings)
