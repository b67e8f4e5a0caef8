"""The LM detector's two-sided check (``repair.detect.lm_evidence``, step 3): what one check reads,
how a paragraph's checks are read together, and the verdict.

A check scores a run of suspect words in its place, as written and with the best combinations of
its words' alternatives, each followed by a few words of the text after it. All the checks in
one paragraph read that paragraph once (``repair.lm.slots``): every candidate sees the whole
paragraph before its place. A paragraph too long to read whole has each check read alone, with
a bounded left context.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch loads with the model, only when a paragraph is read
    from repair.lm.scorer import CandidateScore, LanguageModel


@dataclass(frozen=True)
class Check:
    """The two-sided check of one run occurrence.

    Attributes:
        margin: best combination's log-prob minus the text as written (nats).
        best: the best combination (words joined by spaces, lower case).
        first: index, within the checked window, of the first word the best combination changes.
        last: index of the last changed word (inclusive).
    """

    margin: float
    best: str
    first: int
    last: int


@dataclass(frozen=True)
class CheckRequest:
    """What one two-sided check reads: ``texts`` in place of ``paragraph[start:end]`` of
    paragraph number ``paragraph``; the first is the words as ``written``, each comes from the
    word combination of ``candidates`` at the same index."""

    paragraph: int
    start: int
    end: int
    written: tuple[str, ...]
    candidates: tuple[tuple[str, ...], ...]
    texts: tuple[str, ...]

    def check(self, logprobs: Sequence[float]) -> Check:
        """The verdict from the LM's log-probability of each text: the best combination against
        the words as written."""
        best = max(range(1, len(logprobs)), key=lambda i: logprobs[i], default=0)
        margin = logprobs[best] - logprobs[0] if best else -math.inf
        changed = changed_range(self.written, self.candidates[best]) or (0, len(self.written) - 1)
        return Check(margin, " ".join(self.candidates[best]).lower(), *changed)


def read_checks(model: LanguageModel, paragraphs: Sequence[str], requests: Sequence[CheckRequest],
                right_words: int, left_chars: int) -> tuple[list[list[CandidateScore]], int]:
    """The LM's scores of every request's texts in its place, in order, and the pieces it read.

    A paragraph is read once for all the requests in it (``repair.lm.slots.score_places``; one
    too long to read whole has each request read alone, with ``left_chars`` of left context).
    """
    from repair.lm.slots import Slot, score_places

    results: list[list[CandidateScore] | None] = [None] * len(requests)
    by_paragraph: dict[int, list[int]] = {}
    for number, request in enumerate(requests):
        by_paragraph.setdefault(request.paragraph, []).append(number)
    pieces = 0
    for p, numbers in by_paragraph.items():
        slots = [Slot(requests[n].start, requests[n].end, requests[n].texts) for n in numbers]
        scored, read = score_places(model, paragraphs[p], slots, right_words, left_chars)
        pieces += read
        for n, scores in zip(numbers, scored):
            results[n] = scores
    return results, pieces  # type: ignore[return-value]


def combinations(options: Sequence[Sequence[str]], limit: int) -> list[tuple[str, ...]]:
    """Word combinations over a window, the words as written first (``options[i][0]``), the
    rest in order of the options' ranks (sum of indices), at most ``limit`` in all."""
    every = itertools.product(*(range(len(o)) for o in options))
    ranked = sorted(every, key=lambda idx: (sum(idx), idx))[:limit]
    return [tuple(o[i] for o, i in zip(options, idx)) for idx in ranked]


def changed_range(written: Sequence[str], chosen: Sequence[str]) -> tuple[int, int] | None:
    """(first, last) indices where ``chosen`` differs from ``written``; None when equal."""
    changed = [i for i, (a, b) in enumerate(zip(written, chosen)) if a.lower() != b.lower()]
    return (changed[0], changed[-1]) if changed else None


def join_words(words: Sequence[str], gaps: Sequence[str]) -> str:
    """Words with the gaps between them (spaces, hyphens) put back as written."""
    out = words[0]
    for gap, word in zip(gaps, words[1:]):
        out += gap + word
    return out
