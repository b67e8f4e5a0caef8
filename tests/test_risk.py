"""The per-document risk rule (repair/risk.py) and DetectionReport.risk."""
from __future__ import annotations

import pytest

from repair.results import DetectionReport, Span
from repair.risk import RISK_LEVELS, risk_level, span_density


@pytest.mark.parametrize(
    ("score", "spans", "words", "level"),
    [
        (0.0, 0, 0, "clean"),                 # empty text
        (0.04, 0, 900, "clean"),              # clean news
        (0.04, 1, 900, "low"),                # one flagged word in clean news
        (0.30, 0, 200, "low"),                # above half the threshold
        (0.50, 0, 200, "suspicious"),         # at the threshold
        (0.95, 3, 500, "suspicious"),         # sure, but few spans (a garbled term or two)
        (0.95, 10, 500, "high"),              # sure and 2 per 100 words
        (0.89, 50, 500, "suspicious"),        # dense but the score is under 0.9
    ],
)
def test_risk_level_table(score, spans, words, level):
    assert risk_level(score, spans, words) == level


def test_threshold_moves_suspicious_and_low():
    assert risk_level(0.6, 0, 100, threshold=0.7) == "low"
    assert risk_level(0.3, 0, 100, threshold=0.7) == "clean"
    assert risk_level(0.95, 5, 100, threshold=0.97) == "low"  # high never sits below the threshold


def test_levels_are_ordered_and_density_is_per_100_words():
    assert RISK_LEVELS == ("clean", "low", "suspicious", "high")
    assert span_density(3, 150) == pytest.approx(2.0) and span_density(5, 0) == 0.0


def test_detection_report_risk_and_unchanged_to_dict():
    spans = tuple(Span(i, i + 1, "x", 0.9) for i in range(4))
    report = DetectionReport(score=0.97, spun=True, spans=spans, words=100)
    assert report.risk == "high"
    assert "risk" not in report.to_dict()  # the JSON of results stays as it was; the CLI adds the key
    assert DetectionReport(score=0.0, spun=False).risk == "clean"
