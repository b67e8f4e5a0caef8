"""Restoring a text from its sources in the archive: ``ArchiveRestorer.edits(text)``.

Only the differences the alignment calls restorable (phrase-sized swaps between shared
words, no numbers touched, in a sentence that kept the source's immutables) become edits;
sentences the copier added, dropped or moved, and paragraphs with no confident source, are
left exactly as they are.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.archive.trace import Archive, ParagraphTrace, TraceConfig
from repair.results import Edit


@dataclass(frozen=True)
class ArchiveRepair:
    """What the archive did to a text: its edits and the paragraphs it found a source for."""

    edits: tuple[Edit, ...]
    traces: tuple[ParagraphTrace, ...]

    @property
    def sourced(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of each paragraph whose source was found: no other restorer should touch them."""
        return tuple((t.start, t.end) for t in self.traces if t.source is not None)

    def covers(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a paragraph whose source was found."""
        return any(start < b and a < end for a, b in self.sourced)

    def merge(self, edits: Sequence[Edit], min_confidence: float = 0.0) -> list[Edit]:
        """Other restorers' ``edits`` combined with the archive's: the archive wins.

        Edits inside a paragraph whose source was found, or overlapping an archive edit, are
        dropped (the source's wording is known there); archive edits below ``min_confidence``
        are dropped too.
        """
        own = [e for e in self.edits if e.confidence >= min_confidence]
        kept = [e for e in edits if not self.covers(e.start, max(e.end, e.start + 1))
                and not any(e.start < a.end and a.start < e.end for a in own)]
        return sorted([*kept, *own], key=lambda e: (e.start, e.end))


def edits_from_trace(trace: ParagraphTrace, min_confidence: float) -> list[Edit]:
    """Whole-text edits from one paragraph's best source (none without a confident source)."""
    source = trace.source
    if source is None:
        return []
    # The weaker of the paragraph's evidence (how much of it the alignment explains) and the
    # sentence's (how much of the source's skeleton of immutables it kept).
    confidence = lambda diff: round(min(source.coverage, diff.confidence), 4)
    return [Edit(trace.start + d.start, trace.start + d.end, d.old, d.new, "archive", confidence(d))
            for d in source.diffs if d.restorable and confidence(d) >= min_confidence]


class ArchiveRestorer:
    """Puts back the words a spinner changed, taken from the text's source in an archive.

    Args:
        archive: an open ``Archive``.
        min_confidence: edits below this confidence are dropped.
    """

    def __init__(self, archive: Archive, min_confidence: float = 0.6) -> None:
        self.archive = archive
        self.min_confidence = min_confidence

    @classmethod
    def load(cls, index: Path | str, config: TraceConfig | None = None, min_confidence: float = 0.6) -> "ArchiveRestorer":
        """Open the index at ``index`` (raises ``repair.archive.store.ArchiveError`` subclasses)."""
        return cls(Archive.open(index, config), min_confidence)

    def repair(self, text: str) -> ArchiveRepair:
        """Edits for ``text`` and the spans of the paragraphs whose source was found."""
        traces = self.archive.trace_text(text)
        edits = [edit for trace in traces for edit in edits_from_trace(trace, self.min_confidence)]
        return ArchiveRepair(tuple(sorted(edits, key=lambda e: (e.start, e.end))), tuple(traces))

    def edits(self, text: str) -> list[Edit]:
        """Edits with whole-text character offsets, ``source="archive"``, sorted, non-overlapping."""
        return list(self.repair(text).edits)


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """``text`` with non-overlapping ``edits`` applied."""
    out, at = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[at:edit.start])
        out.append(edit.new)
        at = edit.end
    out.append(text[at:])
    return "".join(out)
