"""Word alignment of a source to a target: ERRANT-like edits and the restoration test.

Edits are ERRANT-like (``errant/edit.py``) but built on a plain difflib alignment of word
tokens, because ERRANT itself needs spaCy models we cannot download. Every word-level metric
(``repair.evaluate.metrics``) and the per-kind restoration table of the harness read these.
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from repair import text as textutil


@dataclass(frozen=True)
class WordEdit:
    """One difference between two word sequences, ERRANT-style token spans.

    ``o_*`` index the original (source) tokens, ``c_*`` the corrected (hypothesis or
    reference) tokens; ``o_start == o_end`` is an insertion, ``c_start == c_end`` a deletion.
    """

    o_start: int
    o_end: int
    o_str: str
    c_start: int
    c_end: int
    c_str: str

    @property
    def key(self) -> tuple[int, int, str]:
        """What must agree for a hypothesis edit to count as the reference edit (M2 rule)."""
        return (self.o_start, self.o_end, self.c_str)


@dataclass(frozen=True)
class Alignment:
    """Word alignment of a source to a target: its edits plus difflib opcodes."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    opcodes: tuple[tuple[str, int, int, int, int], ...]

    @property
    def edits(self) -> tuple[WordEdit, ...]:
        return tuple(
            WordEdit(i1, i2, " ".join(self.source[i1:i2]), j1, j2, " ".join(self.target[j1:j2]))
            for tag, i1, i2, j1, j2 in self.opcodes
            if tag != "equal"
        )

    def kept(self) -> list[bool]:
        """For each source token: is it carried over unchanged into the target?"""
        flags = [False] * len(self.source)
        for tag, i1, i2, _, _ in self.opcodes:
            if tag == "equal":
                flags[i1:i2] = [True] * (i2 - i1)
        return flags


def tokens(text: str) -> tuple[str, ...]:
    """Word tokens (case kept, punctuation dropped), the unit of every word-level metric."""
    return tuple(token.text for token in textutil.words(text))


def align(source: Sequence[str], target: Sequence[str]) -> Alignment:
    """Align two token sequences; autojunk off so frequent words ("the") still align."""
    matcher = difflib.SequenceMatcher(a=list(source), b=list(target), autojunk=False)
    return Alignment(tuple(source), tuple(target), tuple(matcher.get_opcodes()))


def _boundary_maps(alignment: Alignment) -> tuple[dict[int, int], dict[int, int]]:
    """Map source token boundaries to target boundaries (smallest and largest image).

    Boundaries strictly inside a changed block have no image; an insertion sitting on a
    boundary makes the smallest and largest image differ, so a span taken as
    [low[start], high[end]) includes insertions at its edges.
    """
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        pairs = [(i1 + k, j1 + k) for k in range(i2 - i1 + 1)] if tag == "equal" else [(i1, j1), (i2, j2)]
        for i, j in pairs:
            low[i] = min(low.get(i, j), j)
            high[i] = max(high.get(i, j), j)
    n = len(alignment.source)
    low.setdefault(n, len(alignment.target))
    high.setdefault(n, len(alignment.target))
    return low, high


def _changed_blocks(alignment: Alignment) -> list[tuple[int, int]]:
    return [(i1, i2) for tag, i1, i2, _, _ in alignment.opcodes if tag != "equal"]


def _widen(start: int, end: int, alignments: Sequence[Alignment]) -> tuple[int, int]:
    """Grow a source span until no changed block of any alignment cuts through its edges."""
    blocks = [block for alignment in alignments for block in _changed_blocks(alignment)]
    changed = True
    while changed:
        changed = False
        for i1, i2 in blocks:
            if i1 < start < i2:
                start, changed = i1, True
            if i1 < end < i2:
                end, changed = i2, True
    return start, end


def restored(edit: WordEdit, hypothesis: Alignment, reference: Alignment) -> bool:
    """Does the hypothesis read exactly like the reference over the region of a reference edit?

    The region is widened to edges both alignments agree on, so a system that fixes two
    adjacent substitutions in one edit still gets credit for each of them.
    """
    start, end = _widen(edit.o_start, edit.o_end, [hypothesis, reference])
    h_low, h_high = _boundary_maps(hypothesis)
    r_low, r_high = _boundary_maps(reference)
    hyp_words = hypothesis.target[h_low[start] : h_high[end]]
    ref_words = reference.target[r_low[start] : r_high[end]]
    return hyp_words == ref_words
