"""The pretrained language model as one more expert of the restorer's product (kind ``seq2seq+lm``).

For a region that reaches the choice (more than the copy among its candidates), the LM scores
its shortlisted candidates, case-matched to the spun words, followed by the next ``right_words``
words of the paragraph, given the paragraph text before the region. All regions of a paragraph
are scored together (``lm_fill_paragraph``, ``repair.lm.slots``): the paragraph runs through the
model once and every candidate reads its key/value cache cut at its own region. Scoring each
region with its own left context (``lm_fill_logprobs``, the first version) read about four times
as many pieces on a spun article, three in four of them left context read before.

The model is loaded only when the first such region comes (``LazyLanguageModel``): clean text,
and paragraphs with nothing to restore, never load it. The holder is created explicitly by the
registry and passed to the restorer; there is no module-level state.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from repair import text as textutil
from repair.lm.lazy import LazyLanguageModel  # re-exported: the restorer and its tests import it from here
from repair.lm.slots import PARAGRAPH_PIECES, Slot, score_slots

if TYPE_CHECKING:
    from repair.lm import LanguageModel

# Left context kept before a region (characters, cut at a word start) when regions are scored
# one at a time: bounds the prefix the LM reads per region on long paragraphs.
LEFT_CHARS = 300
# Candidates the LM reads per region: the copy and the best others by the other experts; the
# rest get ``UNSCORED`` (out of the running when the LM has weight).
LM_CANDIDATES = 5
UNSCORED = -1e4


def left_context(text: str, start: int, max_chars: int = LEFT_CHARS) -> str:
    """``text[:start]``, keeping at most ``max_chars`` characters and starting at a word."""
    if start <= max_chars:
        return text[:start]
    left = text[start - max_chars : start]
    cut = left.find(" ")
    return left[cut + 1 :] if 0 <= cut < len(left) - 1 else left


def lm_shortlist(config, model_logprob: Sequence[float], prior: Sequence[float], ngram: Sequence[float],
                 size: int = LM_CANDIDATES) -> list[int]:
    """Indices of the candidates worth the LM's time: the copy (0) and the ``size`` - 1 best
    others under the other experts' weighted sum (``config``'s weights)."""
    total = [config.decoder_weight * m + config.prior_weight * p for m, p in zip(model_logprob, prior)]
    if ngram and config.ngram_weight:
        total = [t + config.ngram_weight * n for t, n in zip(total, ngram)]
    others = sorted(range(1, len(total)), key=lambda i: -total[i])
    return [0, *sorted(others[: size - 1])]


def lm_fill_logprobs(lm: LazyLanguageModel, text: str, start: int, end: int, old: str, candidates: Sequence[str],
                     right_words: int = 3, shortlist: Sequence[int] | None = None) -> tuple[float, ...]:
    """LM log P(candidate + the next ``right_words`` words | left context), per candidate (nats).

    Candidates are lower case; each is scored in the spun words' case (as the edit would write
    it). Only the ``shortlist`` indices (all when None) are read; the others get ``UNSCORED``.
    """
    model = lm.get()
    started = time.perf_counter()
    chosen = list(range(len(candidates))) if shortlist is None else list(shortlist)
    left = left_context(text, start)
    shown = [textutil.match_case_by_word(old, candidates[i]) for i in chosen]
    scores = model.score_candidates(left, shown, text[end:], right_words=right_words)
    lm.pieces_scored += model.count_pieces(left) + sum(s.pieces for s in scores)
    lm.seconds += time.perf_counter() - started
    out = [UNSCORED] * len(candidates)
    for i, s in zip(chosen, scores):
        out[i] = s.logprob
    return tuple(out)


@dataclass(frozen=True)
class LMRegion:
    """A region for the LM: its place in the paragraph, its spun words, its candidates (lower case,
    the copy first) and the indices of those the LM reads (``lm_shortlist``)."""

    start: int
    end: int
    old: str
    candidates: tuple[str, ...]
    shortlist: tuple[int, ...]


def lm_fill_paragraph(lm: LazyLanguageModel, text: str, regions: Sequence[LMRegion],
                      right_words: int = 3) -> list[tuple[float, ...]]:
    """``lm_fill_logprobs`` for every region of the paragraph ``text``, reading the paragraph once.

    Candidates are scored in the spun words' case; those off a region's shortlist get ``UNSCORED``.
    """
    if not regions:
        return []
    model = lm.get()
    if model.count_pieces(text) > PARAGRAPH_PIECES:
        return [lm_fill_logprobs(lm, text, r.start, r.end, r.old, r.candidates, right_words, shortlist=r.shortlist)
                for r in regions]
    started = time.perf_counter()
    slots = [Slot(r.start, r.end, tuple(textutil.match_case_by_word(r.old, r.candidates[i]) for i in r.shortlist))
             for r in regions]
    scores = score_slots(model, text, slots, right_words)
    lm.pieces_scored += model.count_pieces(text[:max(r.start for r in regions)]) + sum(s.pieces for row in scores for s in row)
    lm.seconds += time.perf_counter() - started
    out = []
    for region, row in zip(regions, scores):
        values = [UNSCORED] * len(region.candidates)
        for i, score in zip(region.shortlist, row):
            values[i] = score.logprob
        out.append(tuple(values))
    return out
