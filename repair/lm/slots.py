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


# Longest text (model pieces) read whole for its places; callers score the places of a longer
# one alone, each with a bounded left context (rare in news: about 600 words in one paragraph).
PARAGRAPH_PIECES = 768


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
