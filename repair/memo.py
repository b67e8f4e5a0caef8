"""``Memo``: a bounded, least-recently-used memo for per-text lookups that long batches repeat.

A worker of a long batch meets new phrases all along, so a memo keyed by text must forget: an
unbounded (or 500,000-entry) dict of phrase lookups grew each ``unspin fix`` worker by more than a
gigabyte (scripts/measure_memory.py, eval/reports/memory.json). Frequent phrases stay, rare ones go.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """``get_or(key, compute)`` returns the remembered value or computes, remembers and returns it.

    Args:
        maxsize: entries kept; the least recently used one is dropped past it.
    """

    def __init__(self, maxsize: int):
        if maxsize < 1:
            raise ValueError(f"memo size must be at least 1, got {maxsize!r}")
        self.maxsize = maxsize
        # An OrderedDict, not a dict: dropping a plain dict's first key scans past the holes earlier
        # deletions left, which made every eviction slower the longer a batch ran.
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def get_or(self, key: K, compute: Callable[[K], V]) -> V:
        entries = self._entries
        if key in entries:
            entries.move_to_end(key)  # the end is "recent"
            return entries[key]
        value = compute(key)
        if len(entries) >= self.maxsize:
            entries.popitem(last=False)
        entries[key] = value
        return value
