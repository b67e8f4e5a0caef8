"""Span arithmetic on half-open character ranges ``[start, end)``, written once for every stage."""
from __future__ import annotations


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """True when ``[a_start, a_end)`` and ``[b_start, b_end)`` share at least one character."""
    return a_start < b_end and b_start < a_end
