"""Tuning the restorer's score combination: a grid search over the experts' weights on cached scores.

The restorer picks a region's candidate by a product of experts (decoder, pair/thesaurus prior,
corpus trigrams), a copy bonus and a softmax temperature (``repair.restore.seq2seq.choosing``).
The candidates and every expert's scores of the gold regions are computed once; each setting of
the grid is then a few array operations (``ScoreTable``), checked against ``choose`` itself
(``region_f05``) in the tests.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from repair.restore.seq2seq.candidates import normalise_phrase
from repair.restore.seq2seq.choosing import RegionScores, choose
from repair.restore.seq2seq.restorer import RegionJob, Seq2SeqRestorer
from repair.restore.seq2seq.windows import encode_window, fits
from repair.train.restorer_data import region_targets, row_windows

# The experts' weights, in the order of ``ScoreTable.features``, then the other tuned settings.
WEIGHT_KEYS = ("decoder_weight", "prior_weight", "ngram_weight")
COMBINATION_KEYS = (*WEIGHT_KEYS, "copy_bonus", "temperature")


def gold_region_scores(restorer: Seq2SeqRestorer, rows: Sequence[dict], config) -> list[tuple[RegionScores, str]]:
    """Cached candidate scores of the gold regions of ``rows`` (a little over-flagging), with the gold original.

    ``config`` (a ``RestorerTrainConfig``) gives the seed and ``tune_negative_rate``: over-flagged
    words where the copy must win.
    """
    rng = random.Random(config.seed + 1)
    noise = replace(config, negative_rate=config.tune_negative_rate, jitter_rate=0.0)
    max_tokens = restorer.config.max_tokens
    result = []
    for row in rows:
        for window in row_windows(row, rng, noise):
            encoded = encode_window(restorer.encoder, window.sentence, window.regions, max_tokens)
            if not fits(encoded, len(window.labels), max_tokens):
                continue
            regions = region_targets(window)
            jobs = [RegionJob(0, a.start, b.end, window.sentence[a.start : b.end]) for a, b, _ in regions]
            gold = {(a.start, b.end): t for a, b, t in regions}
            for scores in restorer.score_jobs([encoded], jobs, window.sentence):
                result.append((scores, gold[(scores.start, scores.end)]))
    return result


def f05_summary(tp: int, fp: int, fn: int, changed: int) -> dict:
    """Edit precision, recall, F0.5 and the share of changed regions restored."""
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"precision": p, "recall": r, "f05": 1.25 * p * r / (0.25 * p + r) if p + r else 0.0, "restored": tp / max(1, changed)}


def region_f05(scored: Sequence[tuple[RegionScores, str]], prior_weight: float, copy_bonus: float, temperature: float,
               min_confidence: float = 0.5, *, decoder_weight: float = 1.0, ngram_weight: float = 0.0) -> dict:
    """Region-level edit precision/recall/F0.5 (and exact restoration) of one setting of the score
    combination, through ``choose`` itself (the reference for ``table_f05``)."""
    tp = fp = fn = changed = 0
    for scores, gold in scored:
        choice = choose(scores, prior_weight, copy_bonus, temperature, decoder_weight=decoder_weight, ngram_weight=ngram_weight)
        spun = normalise_phrase(scores.old)
        edited = choice.index != 0 and choice.confidence >= min_confidence and choice.text != spun
        right = edited and choice.text == gold
        tp += right
        fp += edited and not right
        fn += gold != spun and not right
        changed += gold != spun
    return f05_summary(tp, fp, fn, changed)


@dataclass(frozen=True)
class ScoreTable:
    """The experts' scores of many regions as padded arrays, so a grid search is a few array ops.

    ``features[k, r, c]`` is expert ``WEIGHT_KEYS[k]`` on candidate ``c`` of region ``r`` (0 where
    that expert is absent); ``gold[r]`` indexes the right candidate (-1: not among them).
    """

    features: np.ndarray
    valid: np.ndarray
    same_as_copy: np.ndarray
    gold: np.ndarray
    changed: np.ndarray


def score_table(scored: Sequence[tuple[RegionScores, str]]) -> ScoreTable:
    """Stack cached region scores into a ``ScoreTable``."""
    width = max(len(s.candidates) for s, _ in scored)
    features = np.zeros((len(WEIGHT_KEYS), len(scored), width))
    valid = np.zeros((len(scored), width), dtype=bool)
    same = np.zeros((len(scored), width), dtype=bool)
    gold = np.full(len(scored), -1)
    changed = np.zeros(len(scored), dtype=bool)
    for r, (s, target) in enumerate(scored):
        n = len(s.candidates)
        for k, values in enumerate((s.model_logprob, s.prior_logprob, s.ngram_logprob)):
            if values:
                features[k, r, :n] = values
        valid[r, :n] = True
        spun = normalise_phrase(s.old)
        same[r, :n] = [c == spun for c in s.candidates]
        gold[r] = s.candidates.index(target) if target in s.candidates else -1
        changed[r] = target != spun
    return ScoreTable(features, valid, same, gold, changed)


def table_f05(table: ScoreTable, weights: dict, min_confidence: float = 0.5) -> dict:
    """``region_f05`` of one weight setting over a ``ScoreTable`` (vectorised)."""
    w = np.array([weights.get(k, 0.0) for k in WEIGHT_KEYS])
    total = np.tensordot(w, table.features, axes=1)
    total[:, 0] += weights["copy_bonus"]
    total = np.where(table.valid, total / weights["temperature"], -np.inf)
    best = total.argmax(axis=1)
    rows = np.arange(len(best))
    confidence = 1.0 / np.exp(total - total[rows, best][:, None]).sum(axis=1)
    edited = (best != 0) & (confidence >= min_confidence) & ~table.same_as_copy[rows, best]
    right = edited & (best == table.gold)
    tp = int(right.sum())
    return f05_summary(tp, int((edited & ~right).sum()), int((table.changed & ~right).sum()), int(table.changed.sum()))


def tune_combination(scored: Sequence[tuple[RegionScores, str]], log: Callable[[str], None], *, with_ngram: bool = False) -> dict:
    """Grid search of the score combination for the best region F0.5 at 0.5 confidence.

    The decoder keeps weight 1 (the temperature sets the scale); the trigram weight stays 0
    unless the restorer has the trigram expert.
    """
    table = score_table(scored)
    grid = {
        "decoder_weight": (1.0,),
        "prior_weight": (0.0, 0.25, 0.5, 1.0, 1.5),
        "ngram_weight": (0.0, 0.25, 0.5, 1.0, 1.5, 2.0) if with_ngram else (0.0,),
        "copy_bonus": (-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0),
        "temperature": (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0),
    }
    best: dict = {"f05": -1.0}
    for values in itertools.product(*grid.values()):
        weights = dict(zip(grid, values))
        metrics = table_f05(table, weights)
        if metrics["f05"] > best["f05"]:
            best = {**metrics, **weights}
    gold_found = float((table.gold >= 0)[table.changed].mean()) if table.changed.any() else 0.0
    log(f"tuned on {len(scored):,} validation regions (gold among candidates for {gold_found:.1%} of changed ones): {best}")
    return {**best, "gold_among_candidates": gold_found}
