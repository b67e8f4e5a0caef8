"""The pretrained language model as one more expert of the restorer's product (kind ``seq2seq+lm``).

For a region that reaches the choice (more than the copy among its candidates), the LM scores
its shortlisted candidates, case-matched to the spun words, followed by the next ``right_words``
words of the paragraph, given the paragraph text before the region. All regions of a paragraph
are scored together (``lm_fill_paragraph``, ``repair.lm.slots``): the paragraph runs through the
model once and every candidate reads its key/value cache cut at its own region. Scoring each
region with its own left context (the first version; still the way for a paragraph too long to
read whole) read about four times as many pieces on a spun article, three in four of them left
context read before.

The model is loaded only when the first such region comes (``LazyLanguageModel``): clean text,
and paragraphs with nothing to restore, never load it. The holder is created explicitly by the
registry and passed to the restorer; there is no module-level state.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from repair import text as textutil
from repair.lm.lazy import LazyLanguageModel  # re-exported: the restorer and its tests import it from here
from repair.lm.slots import Slot, score_places

# Candidates the LM reads per region: the copy and the best others by the other experts; the
# rest get ``UNSCORED`` (out of the running when the LM has weight).
LM_CANDIDATES = 5
UNSCORED = -1e4


def lm_shortlist(config, model_logprob: Sequence[float], prior: Sequence[float], ngram: Sequence[float],
                 size: int = LM_CANDIDATES) -> list[int]:
    """Indices of the candidates worth the LM's time: the copy (0) and the ``size`` - 1 best
    others under the other experts' weighted sum (``config``'s weights)."""
    total = [config.decoder_weight * m + config.prior_weight * p for m, p in zip(model_logprob, prior)]
    if ngram and config.ngram_weight:
        total = [t + config.ngram_weight * n for t, n in zip(total, ngram)]
    others = sorted(range(1, len(total)), key=lambda i: -total[i])
    return [0, *sorted(others[: size - 1])]


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
    """LM log P(candidate + the next ``right_words`` words | the paragraph before it) for every
    region of the paragraph ``text``, reading the paragraph once (``repair.lm.slots.score_places``).

    Candidates are scored in the spun words' case; those off a region's shortlist get ``UNSCORED``.
    """
    if not regions:
        return []
    model = lm.get()
    started = time.perf_counter()
    slots = [Slot(r.start, r.end, tuple(textutil.match_case_by_word(r.old, r.candidates[i]) for i in r.shortlist))
             for r in regions]
    scores, pieces = score_places(model, text, slots, right_words)
    lm.pieces_scored += pieces
    lm.seconds += time.perf_counter() - started
    out = []
    for region, row in zip(regions, scores):
        values = [UNSCORED] * len(region.candidates)
        for i, score in zip(region.shortlist, row):
            values[i] = score.logprob
        out.append(tuple(values))
    return out
