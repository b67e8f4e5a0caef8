"""Measuring a restorer alone, given spans (gold by default): restoration, damage, edit F0.5.

The numbers with the detector's spans come from the pipeline evaluation (``unspin eval``).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from repair import text as textutil
from repair.evaluate.metrics import WORD_STATS, word_statistics
from repair.merge.edits import apply_edits, merge_edits
from repair.results import Span


def gold_spans(row: dict) -> list[Span]:
    """The spun side of a row's substitutions, as the detector would report them at best."""
    return [Span(s["spun_start"], s["spun_end"], s["spun"], 1.0, "gold") for s in row.get("subs") or [] if s["spun_end"] > s["spun_start"]]


def evaluate(restorer, rows: Sequence[dict], span_fn: Callable[[dict], list[Span]] = gold_spans, min_confidence: float = 0.5) -> dict:
    """Restoration, damage and edit F0.5 of ``restorer`` (``propose(paragraph, spans)``) on ``rows``."""
    totals = np.zeros(len(WORD_STATS))
    clean_identical = clean_rows = words = 0
    started = time.time()
    for row in rows:
        edits = merge_edits(restorer.propose(row["spun"], span_fn(row)), min_confidence=min_confidence)
        repaired = apply_edits(row["spun"], edits)
        totals += word_statistics(row["spun"], repaired, row["clean"])
        words += textutil.count_words(row["spun"])
        if not row.get("subs"):
            clean_rows += 1
            clean_identical += repaired == row["spun"]
    stats = dict(zip(WORD_STATS, totals.tolist()))
    precision = stats["edit_tp"] / max(1.0, stats["edit_tp"] + stats["edit_fp"])
    recall = stats["edit_tp"] / max(1.0, stats["edit_tp"] + stats["edit_fn"])
    return {
        "rows": len(rows),
        "restoration": stats["spans_restored"] / max(1.0, stats["spans"]),
        "damage_per_1000": 1000 * stats["damaged"] / max(1.0, stats["correct"]),
        "edit_precision": precision,
        "edit_recall": recall,
        "edit_f05": (1.25 * precision * recall / (0.25 * precision + recall)) if precision + recall else 0.0,
        "clean_identical": clean_identical / clean_rows if clean_rows else None,
        "words_per_s": words / max(1e-9, time.time() - started),
        **stats,
    }
