"""Per-document risk level from the calibrated passage score and the density of flagged spans (pure).

One small rule, shared by ``DetectionReport.risk``, ``unspin detect`` and the review page:

========== ==========================================================================
level      when
========== ==========================================================================
high       score >= ``HIGH_SCORE`` (0.9) and at least ``HIGH_DENSITY`` (2) spans per
           100 words: the detector is sure *and* the damage is spread through the text
suspicious score >= the detection threshold (0.5 by default): the passage counts as spun
low        score >= threshold / 2, or any span at all: something worth a glance
clean      otherwise
========== ==========================================================================

Why these numbers: the calibrated score answers "was this spun at all" and the density answers
"how much". A whole spun article (seed 003) scores 1.00 with several spans per 100 words; a
garbled one with a few wrong terms (seed 002) scores high but has well under 2 spans per 100
words, so it is suspicious, not high: an editor should look, yet most of the text is sound.
Clean news scores a few hundredths with, now and then, a single flagged word (0.6 per 1,000
words on the suite's clean rows): that single span is "low", never "suspicious". Half the
threshold marks a score the calibration still calls more likely clean than not, but which is
far above what clean news scores. Measured distributions are in the README.
"""
from __future__ import annotations

from typing import Literal

RiskLevel = Literal["clean", "low", "suspicious", "high"]
RISK_LEVELS: tuple[RiskLevel, ...] = ("clean", "low", "suspicious", "high")
HIGH_SCORE = 0.9
HIGH_DENSITY = 2.0  # flagged spans per 100 words


def span_density(spans: int, words: int) -> float:
    """Flagged spans per 100 words (0 for an empty text)."""
    return 100.0 * spans / words if words > 0 else 0.0


def risk_level(score: float, spans: int, words: int, threshold: float = 0.5) -> RiskLevel:
    """The document's risk level.

    Args:
        score: calibrated passage score in [0, 1].
        spans: number of reported (not weak) spans.
        words: words in the document.
        threshold: the score at which a passage counts as spun.

    Returns:
        "clean", "low", "suspicious" or "high" (see the module docstring for the rule).
    """
    if score >= max(threshold, HIGH_SCORE) and span_density(spans, words) >= HIGH_DENSITY:
        return "high"
    if score >= threshold:
        return "suspicious"
    if score >= threshold / 2 or spans > 0:
        return "low"
    return "clean"
