"""The fused detector: the tagger's word probabilities and the lexicon detector's corpus evidence, per word.

For every word a small logistic regression (``repair.detect.config.Fusion``, fitted on
validation rows by ``repair.train.detector_fit.fit_fusion``) weighs the tagger's logit against the
lexicon's verdict on the phrase covering that word (``FUSION_FEATURES``). Flagged words become
spans; a lexicon phrase stays one span, and two adjacent substitutions stay two.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from repair.detect.config import CascadeSettings, Fusion, TaggerConfig
from repair.detect.lexicon import Analysis, LexiconScorer, build_scorer, reason
from repair.detect.tagger import DETECTOR_FOLDER, Tagger, Unit, flagged_spans
from repair.errors import ModelNotFoundError
from repair.resources.shared import Resources
from repair.results import DetectionReport, Span
from repair.text import overlaps

# Per-word evidence the fused detector weighs (columns of ``fusion_features``).
FUSION_FEATURES = ("tagger_logit", "lexicon_span_logit", "lexicon_prob_logit", "lexicon_candidate", "bias")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def fusion_features(words: Sequence[Unit], probs: np.ndarray, analysis: Analysis, span_calibration: Sequence[float]) -> np.ndarray:
    """One row per word: the tagger's logit plus the lexicon's evidence for the phrase covering it.

    A word no lexicon phrase covers (no thesaurus original fits) gets zeros in the lexicon
    columns and 0 in ``lexicon_candidate``, so the fit learns how much to trust the tagger alone.

    Args:
        words: the tagger's words of the paragraph.
        probs: the tagger's word probabilities.
        analysis: the lexicon scorer's analysis of the same paragraph.
        span_calibration: ``Calibration.span`` (a, b): ``a * candidate logit + b`` is the span logit.
    """
    x = np.zeros((len(words), len(FUSION_FEATURES)))
    x[:, 0] = np.log(np.clip(probs, 1e-6, 1 - 1e-6) / np.clip(1 - probs, 1e-6, 1.0))
    x[:, 4] = 1.0
    a, b = span_calibration
    starts = np.array([w.start for w in words])
    ends = np.array([w.end for w in words])
    for verdict in analysis.verdicts:
        candidate = verdict.best.candidate
        covered = (starts < candidate.end) & (candidate.start < ends)  # repair.text.overlaps, for every word at once
        span_logit = min(max(a * verdict.best.logit + b, -12.0), 12.0)
        # Overlapping phrases are excluded by the analysis, so each word has at most one verdict.
        x[covered, 1] = span_logit
        x[covered, 2] = _logit(verdict.prob)
        x[covered, 3] = 1.0
    return x


def phrase_groups(words: Sequence[Unit], analysis: Analysis) -> list[int]:
    """One id per word: the index of the lexicon phrase covering it, else a number of its own."""
    groups = [-1 - i for i in range(len(words))]
    for k, verdict in enumerate(analysis.verdicts):
        candidate = verdict.best.candidate
        for i, w in enumerate(words):
            if overlaps(w.start, w.end, candidate.start, candidate.end):
                groups[i] = k
    return groups


def fused_spans(paragraph: str, words: Sequence[Unit], tagger_probs: np.ndarray, probs: np.ndarray, analysis: Analysis, threshold: float) -> list[Span]:
    """Flagged words, each lexicon phrase as one span, with the tagger's probability and the corpus's reason."""
    spans = []
    for span in flagged_spans(paragraph, words, probs, threshold, phrase_groups(words, analysis)):
        inside = [i for i, w in enumerate(words) if span.start <= w.start and w.end <= span.end]
        why = [f"tagger {max(tagger_probs[i] for i in inside):.2f}"]
        why += [reason(v) for v in analysis.verdicts if overlaps(span.start, span.end, v.best.candidate.start, v.best.candidate.end)]
        spans.append(Span(span.start, span.end, span.text, span.score, f"combined {span.score:.2f}: " + "; ".join(why)))
    return spans


class CombinedDetector:
    """The tagger's word probabilities fused with the lexicon detector's corpus evidence (detector kind "combined").

    Args:
        tagger: the trained word tagger.
        scorer: the lexicon scorer (n-gram model, thesaurus, calibration).
        fusion: fitted fusion weights, word threshold and passage calibrator.
        passage_threshold: passage score at or above which ``spun`` is set.
        weak_threshold: words with a fused probability from here up to the word threshold
            become weak spans (never reported; the restorer may examine them); 1.0 gives none.
    """

    def __init__(self, tagger: Tagger, scorer: LexiconScorer, fusion: Fusion, passage_threshold: float = 0.5, weak_threshold: float = 1.0):
        self.tagger = tagger
        self.scorer = scorer
        self.fusion = fusion
        self.passage_threshold = passage_threshold
        self.weak_threshold = weak_threshold
        self._weights = np.array(fusion.weights, dtype=np.float64)

    def word_probs(self, paragraphs: Sequence[str], analyses: Sequence[Analysis] | None = None) -> list[tuple[list[Unit], np.ndarray, np.ndarray, Analysis]]:
        """Words, tagger probabilities, fused probabilities and the lexicon analysis per paragraph.

        ``analyses`` are the scorer's analyses of ``paragraphs`` when the caller already has them.
        """
        if analyses is None:
            analyses = self.scorer.analyse_batch(paragraphs)
        out = []
        for analysis, (words, probs) in zip(analyses, self.tagger.word_probs(paragraphs)):
            x = fusion_features(words, probs, analysis, self.scorer.calibration.span)
            fused = 1.0 / (1.0 + np.exp(-np.clip(x @ self._weights, -40, 40)))
            out.append((words, probs, fused, analysis))
        return out

    def detect_batch(self, paragraphs: Sequence[str], analyses: Sequence[Analysis] | None = None) -> list[DetectionReport]:
        """One report per paragraph: calibrated passage score and flagged spans with reasons."""
        return [self.report(paragraph, *scored) for paragraph, scored in zip(paragraphs, self.word_probs(paragraphs, analyses))]

    def report(self, paragraph: str, words: Sequence[Unit], tagger_probs: np.ndarray, probs: np.ndarray, analysis: Analysis) -> DetectionReport:
        """The report of one paragraph from its scored words (one entry of ``word_probs``)."""
        score = self.fusion.calibrator.score(probs) if len(words) else 0.0
        threshold = self.fusion.word_threshold
        spans = fused_spans(paragraph, words, tagger_probs, probs, analysis, threshold)
        # Weak spans: runs of words below the word threshold; a flagged word inside a run
        # ends it, so weak and reported spans never overlap.
        below = np.where(probs < threshold, probs, 0.0)
        weak = fused_spans(paragraph, words, tagger_probs, below, analysis, self.weak_threshold) if self.weak_threshold < threshold else []
        return DetectionReport(round(score, 6), score >= self.passage_threshold, tuple(spans), self.passage_threshold, len(words), tuple(weak))


def load_combined(resources: Resources, scorer: LexiconScorer | None = None) -> CombinedDetector:
    """The shipped tagger fused with the lexicon scorer over the shared resources.

    The weak-span floor is the cascade's (``CascadeSettings.weak_threshold``), so the fused
    detector alone finds the same weak spans as inside the cascade.

    Args:
        resources: the pipeline's shared resources.
        scorer: the lexicon scorer to fuse with (a cascade passes its own); built from ``resources`` if None.

    Raises:
        repair.errors.ModelNotFoundError: the detector folder is missing or has no fitted fusion.
    """
    folder = resources.root / DETECTOR_FOLDER
    config = TaggerConfig.from_pretrained(folder)
    if config.fusion is None:
        raise ModelNotFoundError(f"{folder / 'config.json'} has no fitted fusion; run 'unspin train detector'")
    weak_threshold = (config.cascade or CascadeSettings()).weak_threshold
    tagger = Tagger.from_pretrained(folder)
    return CombinedDetector(tagger, scorer or build_scorer(resources), config.fusion, tagger.settings.passage_threshold, weak_threshold)
