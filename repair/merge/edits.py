"""Merge candidate edits from several restorers into one non-overlapping set and apply it.

Everything outside the chosen edits is copied byte for byte, which is how the pipeline
guarantees that unflagged text is never damaged.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from repair.merge.calibration import EditCalibration
from repair.results import Edit
from repair.text import overlaps

# When two candidate edits overlap, the higher-priority source wins; glossary terms are
# curated multi-word canonical names, so they beat the word-level model; a user's phrase list
# (``repair.glossary.phrases``) was asserted by the user, so it beats everything.
SOURCE_PRIORITY = {"phrases": 3, "glossary": 2, "model": 1, "lexicon": 0}


def drop_no_ops(edits: Iterable[Edit]) -> list[Edit]:
    """Remove edits that would not change the text."""
    return [edit for edit in edits if edit.old != edit.new]


def keep_non_overlapping(ranked: Iterable[Edit]) -> list[Edit]:
    """Each edit in the given order, unless it overlaps one kept before it (best first in, wins)."""
    kept: list[Edit] = []
    for edit in ranked:
        if not any(overlaps(edit.start, edit.end, other.start, other.end) for other in kept):
            kept.append(edit)
    return kept


def resolve_overlaps(edits: Iterable[Edit]) -> list[Edit]:
    """Keep a non-overlapping subset: best source first, then confidence, then longer span."""
    ranked = sorted(
        edits,
        key=lambda e: (-SOURCE_PRIORITY.get(e.source, 0), -e.confidence, -(e.end - e.start), e.start),
    )
    return sorted(keep_non_overlapping(ranked), key=lambda e: e.start)


def confident_edits(edits: Iterable[Edit], min_confidence: float, calibration: EditCalibration | None = None,
                    uncalibrated_min_confidence: float | None = None) -> list[Edit]:
    """The edits at or above their threshold.

    Args:
        edits: edits whose confidences are already calibrated where a map exists.
        min_confidence: the threshold of edits whose source has a calibration map.
        calibration: tells which sources have a map; None: no source has one.
        uncalibrated_min_confidence: the threshold of the other sources. A threshold chosen for
            calibrated probabilities means nothing on a source's own scale (the glossary's
            match quality, a title's share of the corpus), so those keep the floor their own
            measurements set. None: ``min_confidence`` for every source.
    """
    def threshold(edit: Edit) -> float:
        calibrated = calibration is not None and edit.source in calibration.maps
        return min_confidence if calibrated or uncalibrated_min_confidence is None else uncalibrated_min_confidence

    return [edit for edit in edits if edit.confidence >= threshold(edit)]


def merge_edits(edits: Iterable[Edit], *, min_confidence: float = 0.0, calibration: EditCalibration | None = None,
                uncalibrated_min_confidence: float | None = None) -> list[Edit]:
    """Calibrate, filter by confidence, drop no-ops and resolve overlaps; result is sorted by start.

    Args:
        edits: candidates from every source, raw confidences.
        min_confidence: edits below it (after calibration) are left out.
        calibration: per-source maps from raw confidence to P(right) (``repair.merge.calibration``);
            None keeps the raw confidences.
        uncalibrated_min_confidence: the threshold of sources without a map (``confident_edits``).
    """
    calibrated = calibration.apply(edits) if calibration is not None else list(edits)
    confident = confident_edits(calibrated, min_confidence, calibration, uncalibrated_min_confidence)
    return resolve_overlaps(drop_no_ops(confident))


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply sorted, non-overlapping edits; raises ValueError if an edit does not fit the text."""
    pieces = []
    cursor = 0
    for edit in edits:
        if edit.start < cursor:
            raise ValueError(f"overlapping edit at {edit.start}: {edit!r}")
        if text[edit.start : edit.end] != edit.old:
            raise ValueError(f"edit does not match the text at {edit.start}: {edit!r}")
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.new)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def shift_edits(edits: Iterable[Edit], offset: int) -> list[Edit]:
    """Move edits found in a slice of the text back to offsets in the whole text."""
    return [replace(e, start=e.start + offset, end=e.end + offset) for e in edits]
