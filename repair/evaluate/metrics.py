"""Evaluation metrics: sacrebleu's BLEU/chrF/TER plus word edits, restoration, damage, detection.

Every metric follows sacrebleu's split (``sacrebleu/metrics/base.py``): per-pair *statistics*
(a short vector of counts) are extracted once, summed over any subset of pairs and turned into
a score by one aggregation hook. Corpus scores, streaming over 10,000+ pairs and bootstrap
resampling are then all the same cheap operation: sum rows, then score. Metrics of one
``family`` share their statistics, so e.g. edit precision, recall and F0.5 align each pair once.

Word-level edits come from ``repair.evaluate.alignment``; every score carries a signature
(``repair.evaluate.signature``) naming what produced it. ``METRICS`` is the registry.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER

from repair import text as textutil
from repair.evaluate.alignment import align, restored, tokens
from repair.evaluate.signature import VERSION, Signature
from repair.results import Span


# Column layout of the "words" statistics family (one row per pair).
WORD_STATS = ("edit_tp", "edit_fp", "edit_fn", "spans_restored", "spans", "damaged", "correct", "source_words")


def word_statistics(source: str, hypothesis: str, reference: str) -> np.ndarray:
    """Counts behind edit P/R/F0.5, restoration and damage for one pair (see WORD_STATS).

    * edit_tp/fp/fn: hypothesis edits vs reference edits, matched on (o_start, o_end, c_str);
    * spans_restored/spans: reference edits the hypothesis reproduces (see ``restored``);
    * damaged/correct: source words the reference keeps ("correct") that the hypothesis
      does not keep ("damaged").
    """
    src = tokens(source)
    hyp = align(src, tokens(hypothesis))
    ref = align(src, tokens(reference))
    hyp_keys = {e.key for e in hyp.edits}
    ref_edits = ref.edits
    ref_keys = {e.key for e in ref_edits}
    tp = len(hyp_keys & ref_keys)
    n_restored = sum(restored(edit, hyp, ref) for edit in ref_edits)
    correct = ref.kept()
    damaged = sum(c and not k for c, k in zip(correct, hyp.kept()))
    row = (tp, len(hyp_keys) - tp, len(ref_keys) - tp, n_restored, len(ref_edits), damaged, sum(correct), len(src))
    return np.array(row, dtype=np.float64)


def safe_ratio(numerator: float, denominator: float, empty: float) -> float:
    """numerator / denominator, or ``empty`` when there is nothing to count (M2 convention)."""
    return numerator / denominator if denominator else empty


def f_beta(precision: float, recall: float, beta: float) -> float:
    if precision + recall == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


@dataclass(frozen=True)
class Score:
    """A metric value with its signature and, optionally, a bootstrap confidence interval."""

    name: str
    score: float
    signature: str
    higher_is_better: bool = True
    ci: tuple[float, float] | None = None

    def format(self, digits: int = 2) -> str:
        text = f"{self.name} = {self.score:.{digits}f}"
        if self.ci:
            text += f" (95% CI {self.ci[0]:.{digits}f}..{self.ci[1]:.{digits}f})"
        return text

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "ci": list(self.ci) if self.ci else None,
            "signature": self.signature,
            "higher_is_better": self.higher_is_better,
        }


class Metric(ABC):
    """One number from summed per-pair statistics; subclasses fill the two hooks only."""

    name: str = ""
    family: str = ""
    definition: str = ""
    higher_is_better: bool = True

    @abstractmethod
    def extract(self, sources: Sequence[str], hypotheses: Sequence[str], references: Sequence[str]) -> np.ndarray:
        """Statistics of each pair, shape (pairs, columns); shared by the metric's family."""

    @abstractmethod
    def compute(self, totals: np.ndarray) -> float:
        """The score from statistics summed over pairs."""

    def signature_fields(self) -> tuple[tuple[str, str], ...]:
        """The metric's own settings (sacrebleu's tokenizer, smoothing...); none by default."""
        return ()

    def signature(self, context: Sequence[tuple[str, str]] = ()) -> Signature:
        """Signature with the run's context (``repair.evaluate.signature.run_context``) added."""
        return Signature(self.name, (*self.signature_fields(), *context, ("version", VERSION)))

    def score_from_stats(self, stats: np.ndarray, context: Sequence[tuple[str, str]] = ()) -> Score:
        totals = np.asarray(stats, dtype=np.float64).reshape(-1, stats.shape[-1]).sum(axis=0)
        return Score(self.name, self.compute(totals), self.signature(context).format(), self.higher_is_better)

    def corpus_score(self, sources: Sequence[str], hypotheses: Sequence[str], references: Sequence[str]) -> Score:
        return self.score_from_stats(self.extract(sources, hypotheses, references))

    def sentence_score(self, source: str, hypothesis: str, reference: str) -> Score:
        return self.corpus_score([source], [hypothesis], [reference])


class SacreMetric(Metric):
    """Wraps a sacrebleu metric, reusing its statistics and aggregation (sources are unused)."""

    def __init__(self) -> None:
        self._metric = self._make()
        # We always score against exactly one reference; sacrebleu needs this for its signature.
        self._metric.num_refs = 1

    @abstractmethod
    def _make(self): ...

    def extract(self, sources, hypotheses, references) -> np.ndarray:
        stats = self._metric._extract_corpus_statistics(list(hypotheses), [list(references)])
        return np.array(stats, dtype=np.float64).reshape(len(hypotheses), -1)

    def compute(self, totals: np.ndarray) -> float:
        return float(self._metric._compute_score_from_stats(list(totals)).score)

    def signature_fields(self) -> tuple[tuple[str, str], ...]:
        parts = [part.split(":", 1) for part in self._metric.get_signature().format().split("|")]
        return tuple((key, value) for key, value in parts if key != "version") + (
            ("sacrebleu", self._metric.get_signature().info.get("version", "")),
        )


class BLEUMetric(SacreMetric):
    name, family = "BLEU", "bleu"
    definition = "corpus BLEU (sacrebleu, 13a tokens, 0-100) of output vs reference"

    def _make(self):
        return BLEU()


class CHRFMetric(SacreMetric):
    name, family = "chrF", "chrf"
    definition = "corpus chrF (sacrebleu, character 6-grams, beta 2, 0-100) of output vs reference"

    def _make(self):
        return CHRF()


class TERMetric(SacreMetric):
    name, family = "TER", "ter"
    definition = "corpus TER (sacrebleu, case-sensitive, 0-100+, lower is better): word edits to reach the reference"
    higher_is_better = False

    def _make(self):
        return TER(case_sensitive=True)

    def extract(self, sources, hypotheses, references) -> np.ndarray:
        """Like sacrebleu, but an output equal to its reference skips TER's costly shift search.

        Most pairs of a repair suite come back unchanged, and their statistics are known:
        0 edits over the reference's token count.
        """
        rows = np.zeros((len(hypotheses), 2))
        differ = [i for i, (h, r) in enumerate(zip(hypotheses, references)) if h != r]
        for i, reference in enumerate(references):
            rows[i, 1] = len(self._metric._preprocess_segment(reference).split())
        if differ:
            rows[differ] = super().extract(
                [sources[i] for i in differ], [hypotheses[i] for i in differ], [references[i] for i in differ]
            )
        return rows


class WordMetric(Metric):
    """Metrics read from the shared ``words`` statistics (see ``word_statistics``)."""

    family = "words"

    def extract(self, sources, hypotheses, references) -> np.ndarray:
        rows = [word_statistics(s, h, r) for s, h, r in zip(sources, hypotheses, references)]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(WORD_STATS))

    def column(self, totals: np.ndarray, name: str) -> float:
        return float(totals[WORD_STATS.index(name)])


class EditPrecision(WordMetric):
    name = "editP"
    definition = "word-edit precision (0-100): share of the output's edits (source->output) that are reference edits (source->reference); 100 when it makes none"

    def compute(self, totals):
        tp, fp = self.column(totals, "edit_tp"), self.column(totals, "edit_fp")
        return 100 * safe_ratio(tp, tp + fp, 1.0)


class EditRecall(WordMetric):
    name = "editR"
    definition = "word-edit recall (0-100): share of reference edits the output makes exactly; 100 when there are none"

    def compute(self, totals):
        tp, fn = self.column(totals, "edit_tp"), self.column(totals, "edit_fn")
        return 100 * safe_ratio(tp, tp + fn, 1.0)


class EditF05(WordMetric):
    name = "editF0.5"
    definition = "word-edit F0.5 (0-100): precision weighted twice as much as recall, as in M2/ERRANT"

    def compute(self, totals):
        precision = EditPrecision().compute(totals) / 100
        recall = EditRecall().compute(totals) / 100
        return 100 * f_beta(precision, recall, 0.5)


class Restoration(WordMetric):
    name = "restoration"
    definition = "exact restoration rate (0-100): share of substituted spans whose words the output matches the reference on exactly"

    def compute(self, totals):
        return 100 * safe_ratio(self.column(totals, "spans_restored"), self.column(totals, "spans"), 1.0)


class Damage(WordMetric):
    name = "damage"
    definition = "damage (0-100, lower is better): share of source words the reference keeps that the output changes"
    higher_is_better = False

    def compute(self, totals):
        return 100 * safe_ratio(self.column(totals, "damaged"), self.column(totals, "correct"), 0.0)


# Plain registry: report order is this order.
METRICS: dict[str, Callable[[], Metric]] = {
    "bleu": BLEUMetric,
    "chrf": CHRFMetric,
    "ter": TERMetric,
    "edit_p": EditPrecision,
    "edit_r": EditRecall,
    "edit_f05": EditF05,
    "restoration": Restoration,
    "damage": Damage,
}


def build_metrics(names: Sequence[str] | None = None) -> dict[str, Metric]:
    """Instantiate metrics by registry key (all of them by default)."""
    names = list(METRICS) if names is None else list(names)
    unknown = [name for name in names if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}; choose from {sorted(METRICS)}")
    return {name: METRICS[name]() for name in names}


# ---------------------------------------------------------------- detection

DETECTION_DEFINITIONS = {
    "word_precision": "detection precision (0-100): share of source words inside detector spans that the reference changes",
    "word_recall": "detection recall (0-100): share of source words the reference changes that lie inside detector spans",
    "word_f1": "detection F1 (0-100) of the two above",
    "passage_roc_auc": "passage ROC-AUC (0-1): chance a changed pair (source != reference) gets a higher detector score than an unchanged one",
}


def changed_words(source: str, reference: str) -> list[bool]:
    """For each source word: does the reference change it? (the detector's gold labels)"""
    src = tokens(source)
    return [not kept for kept in align(src, tokens(reference)).kept()]


def word_scores(source: str, spans: Sequence[Span]) -> list[float]:
    """For each source word: the highest score of a detector span overlapping it, else 0."""
    scores = []
    for token in textutil.words(source):
        hits = [s.score for s in spans if textutil.overlaps(s.start, s.end, token.start, token.end)]
        scores.append(max(hits, default=0.0))
    return scores


def flagged_words(source: str, spans: Sequence[Span]) -> list[bool]:
    """For each source word: does any detector span overlap it?"""
    return [
        any(textutil.overlaps(s.start, s.end, token.start, token.end) for s in spans) for token in textutil.words(source)
    ]


def detection_counts(flags: Sequence[bool], gold: Sequence[bool]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of flagged vs changed words."""
    tp = sum(f and g for f, g in zip(flags, gold))
    return tp, sum(flags) - tp, sum(gold) - tp


def prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Precision, recall and F1 in 0-100; precision is 100 with no predictions, recall with no gold."""
    precision = safe_ratio(tp, tp + fp, 1.0)
    recall = safe_ratio(tp, tp + fn, 1.0)
    return {"precision": 100 * precision, "recall": 100 * recall, "f1": 100 * f_beta(precision, recall, 1.0)}


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U, ties count half); None with only one class."""
    scores_arr = np.asarray(scores, dtype=np.float64)
    labels_arr = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(labels_arr.sum()), int((~labels_arr).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = scores_arr.argsort(kind="mergesort")
    ranks = np.empty(len(scores_arr))
    sorted_scores = scores_arr[order]
    # Average ranks over ties so equal scores count half.
    unique, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    u = ranks[labels_arr].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def score_histogram(scores: Sequence[float], bins: int) -> np.ndarray:
    """Counts of scores in ``bins`` equal bins over [0, 1] (1.0 goes into the last bin)."""
    index = np.clip((np.asarray(scores, dtype=np.float64) * bins).astype(int), 0, bins - 1)
    return np.bincount(index, minlength=bins).astype(np.float64)


def threshold_curve(positive: np.ndarray, negative: np.ndarray, gold_total: float | None = None) -> dict[str, list[float]]:
    """Precision and recall of "score >= threshold" at each bin's lower edge, from histograms.

    Args:
        positive: score histogram of words the reference changes (words inside spans only).
        negative: score histogram of words it keeps (inside spans only).
        gold_total: all changed words, including those no span touched (recall's
            denominator); defaults to ``positive.sum()``.
    """
    bins = len(positive)
    # Flagged at threshold t = words in bins at or above t's bin: reverse cumulative sums.
    tp = np.cumsum(positive[::-1])[::-1]
    fp = np.cumsum(negative[::-1])[::-1]
    total = float(positive.sum() if gold_total is None else gold_total)
    return {
        "threshold": [i / bins for i in range(bins)],
        "precision": [100 * safe_ratio(float(t), float(t + f), 1.0) for t, f in zip(tp, fp)],
        "recall": [100 * safe_ratio(float(t), total, 1.0) for t in tp],
    }


# ---------------------------------------------------------------- calibration

CALIBRATION_BINS = 10
CALIBRATION_DEFINITION = (
    "expected calibration error (0-1, lower is better): edits grouped in 10 equal-width confidence bins; "
    "the edit-weighted mean of |share right - mean confidence| over the bins. An edit is right when, applied "
    "alone to the source, it changes only words the reference changes and writes the reference's words")


def reliability_table(confidences: Sequence[float], right: Sequence[bool], bins: int = CALIBRATION_BINS) -> list[dict]:
    """Equal-width confidence bins over [0, 1] (1.0 in the last): edits, mean confidence, share right.

    Empty bins are kept (``edits`` 0, the other two None) so tables line up across systems.
    """
    scores = np.asarray(confidences, dtype=np.float64)
    hits = np.asarray(right, dtype=np.float64)
    index = np.clip((scores * bins).astype(int), 0, bins - 1)
    table = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        table.append({"low": b / bins, "high": (b + 1) / bins, "edits": n,
                      "confidence": float(scores[inside].mean()) if n else None,
                      "right": float(hits[inside].mean()) if n else None})
    return table


def expected_calibration_error(table: Sequence[dict]) -> float | None:
    """Edit-weighted mean gap between share right and mean confidence (None with no edits)."""
    total = sum(row["edits"] for row in table)
    if not total:
        return None
    return float(sum(row["edits"] * abs(row["right"] - row["confidence"]) for row in table if row["edits"]) / total)
