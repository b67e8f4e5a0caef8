"""The lexicon restorer: put back the corpus-preferred original of each suspicious phrase.

It reuses the detector's scoring (``repair.detect.lexicon.LexiconScorer``): for a flagged phrase the
candidate originals come from the thesaurus (``Thesaurus.originals``, already inflected like
the spun word), ranked by the calibrated n-gram evidence. The edit's confidence is
P(phrase substituted) x the best candidate's share among the phrase's candidates.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from repair.detect.lexicon import Analysis, LexiconScorer, SpanVerdict
from repair.results import Edit, Span
from repair.text import match_case, overlaps


def verdict_edit(paragraph: str, verdict: SpanVerdict, span_score: float | None = None) -> Edit:
    """The edit for one phrase verdict; ``span_score`` overrides P(substituted) (another detector's)."""
    cand = verdict.best.candidate
    old = paragraph[cand.start : cand.end]
    prob = verdict.prob if span_score is None else max(verdict.prob, span_score)
    return Edit(cand.start, cand.end, old, match_case(old, cand.replacement), "lexicon", round(prob * verdict.share, 4))


@dataclass
class LexiconRestorer:
    """Restorer: best thesaurus original per flagged span, scored by corpus n-grams."""

    scorer: LexiconScorer

    def propose(self, paragraph: str, spans: Sequence[Span]) -> list[Edit]:
        """Candidate edits for the phrases of ``paragraph`` that overlap ``spans``.

        Spans from this package's detector match phrases exactly; spans from another detector
        (a trained tagger) may cut phrases differently, so any overlapping phrase is proposed,
        with the other detector's span score as evidence that it was substituted.
        """
        if not spans:
            return []
        analysis = self.scorer.analyse(paragraph)
        return proposals(paragraph, analysis, spans)


def proposals(paragraph: str, analysis: Analysis, spans: Sequence[Span]) -> list[Edit]:
    """One edit per phrase verdict that overlaps a span (pure; see LexiconRestorer.propose)."""
    edits = []
    for verdict in analysis.verdicts:
        cand = verdict.best.candidate
        hits = [s for s in spans if overlaps(cand.start, cand.end, s.start, s.end)]
        if not hits:
            continue
        exact = any(s.start == cand.start and s.end == cand.end for s in hits)
        edits.append(verdict_edit(paragraph, verdict, None if exact else max(s.score for s in hits)))
    return edits
