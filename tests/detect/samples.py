"""Texts and helpers the detector tests share."""
from __future__ import annotations

CLEAN = (
    "The foreign minister said on Monday that the government would increase security spending "
    "next year, and officials told reporters the country was ready to work with its neighbours."
)


def document_score(detector, text: str) -> float:
    """The pipeline's document score: the most suspicious paragraph's."""
    from repair.pipeline.repairer import combine_reports
    from repair.text import paragraphs

    segments = paragraphs(text)
    return combine_reports(detector.detect_batch([s.text for s in segments]), segments, 0.5).score
