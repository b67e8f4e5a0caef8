"""Candidates for several places of one text, with the text read once (``score_slots``).

``LanguageModel.score_candidates`` judges one place: it reads the left context, then every
candidate on a copy of its key/value cache. The restorer asks that question for every flagged
region of a paragraph, so it read the paragraph's start again for each region: on a spun article
about three pieces in four the LM read were left context it had read before.

Here the paragraph runs through the model once, up to the last place asked about. Every
candidate of every place then reads that one cache, cut at its own place
(``LanguageModel._read_on_prefix``, the same reader ``score_candidates`` uses), so each candidate
sees exactly the pieces ``score_candidates`` would give it (``tests/lm/test_slots.py`` checks the
numbers agree). Candidates of all places go through the model together, in batches.

A place whose left context does not tokenise as a prefix of the whole text (a word glued to the
one before it, so that BPE merges across the cut) is scored alone with ``score_candidates``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from repair.lm.scorer import CandidateScore, _first_words

if TYPE_CHECKING:
    from repair.lm.scorer import LanguageModel


# Longest text (model pieces) read whole for its places; ``score_places`` reads the places of a
# longer one alone, each with ``LEFT_CHARS`` of left context (rare in news: about 600 words in
# one paragraph).
PARAGRAPH_PIECES = 768
# Left context kept before a place read alone (characters, cut at a word start).
LEFT_CHARS = 300


@dataclass(frozen=True)
class Slot:
    """One place of a text to fill: ``text[start:end]`` is replaced by each candidate in turn."""

    start: int
    end: int
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class _Row:
    """One candidate to read: its slot, its place in the slot, its prefix length and its pieces."""

    slot: int
    index: int
    prefix: int
    ids: list[int]
    cut: int


def score_slots(lm: LanguageModel, text: str, slots: Sequence[Slot], right_words: int = 3) -> list[list[CandidateScore]]:
    """``lm.score_candidates(text[:start], candidates, text[end:], right_words)`` for every slot.

    Returns:
        Per slot, one CandidateScore per candidate, in the given order.
    """
    results: list[list[CandidateScore] | None] = [None] * len(slots)
    whole = lm._encode(text)
    rows: list[_Row] = []
    for number, slot in enumerate(slots):
        left = text[:slot.start].rstrip(" ")
        space = text[len(left):slot.start]
        prefix_ids = lm._encode(left).ids
        prefix = len(prefix_ids)
        shared = prefix_ids == whole.ids[:prefix] and prefix <= lm.config.max_pieces
        right = _first_words(text[slot.end:], right_words)
        conts = [lm._encode(space + c + right, with_start=False) for c in slot.candidates]
        if not shared or not slot.candidates or any(not c.ids for c in conts):
            results[number] = lm.score_candidates(text[:slot.start], slot.candidates, text[slot.end:], right_words)
            continue
        for index, (candidate, cont) in enumerate(zip(slot.candidates, conts)):
            cut = sum(1 for s, _ in cont.spans if s < len(space) + len(candidate))
            rows.append(_Row(number, index, prefix, cont.ids, cut))
    if rows:
        lm._check_length(max(r.prefix + len(r.ids) for r in rows))
        with lm._scoring():
            logprobs = lm._read_on_prefix(whole.ids[:max(r.prefix for r in rows)], [(r.prefix, r.ids) for r in rows])
        for number, slot in enumerate(slots):
            if results[number] is None:
                results[number] = [None] * len(slot.candidates)  # type: ignore[list-item]
        for row, values in zip(rows, logprobs):
            candidate = slots[row.slot].candidates[row.index]
            results[row.slot][row.index] = CandidateScore(candidate, float(sum(values)), float(sum(values[:row.cut])), len(values))  # type: ignore[index]
    return results  # type: ignore[return-value]


def score_places(lm: LanguageModel, text: str, slots: Sequence[Slot], right_words: int = 3,
                 left_chars: int = LEFT_CHARS) -> tuple[list[list[CandidateScore]], int]:
    """``score_slots`` for a text of at most ``PARAGRAPH_PIECES`` pieces; a longer text has each
    slot read alone (``score_candidates``) with ``left_chars`` of left context. Returns the scores
    per slot and the pieces the LM read (the cost the callers report)."""
    if not slots:
        return [], 0
    if lm.count_pieces(text) <= PARAGRAPH_PIECES:
        scores = score_slots(lm, text, slots, right_words)
        read = lm.count_pieces(text[:max(s.start for s in slots)])
    else:
        lefts = [left_context(text, slot.start, left_chars) for slot in slots]
        scores = [lm.score_candidates(left, slot.candidates, text[slot.end:], right_words=right_words)
                  for left, slot in zip(lefts, slots)]
        read = sum(lm.count_pieces(left) for left in lefts)
    return scores, read + sum(s.pieces for row in scores for s in row)


def left_context(text: str, start: int, max_chars: int = LEFT_CHARS) -> str:
    """``text[:start]``, keeping at most ``max_chars`` characters and starting at a word."""
    if start <= max_chars:
        return text[:start]
    left = text[start - max_chars : start]
    cut = left.find(" ")
    return left[cut + 1 :] if 0 <= cut < len(left) - 1 else left
