"""The language model's word on a proposed map entry, pooled over the places the entry would change.

The document decider (``repair.document.decide``) judges a map entry ``old -> new`` once for the
whole document. Word counts and the restorer's confidences say whether a spinner put ``old``
there; the pretrained LM says whether a fluent writer would have written ``new`` in those places.
For up to ``MAX_PLACES`` occurrences of ``old`` it compares

    log P(new + the next words | the words before)  -  log P(old + the next words | the words before)

(nats; positive when the LM prefers the restoration) and reports the mean and the smallest margin.
The LM reads only a short window per place and per wording, and all windows of a document go
through it in one batch: the cost is one decision per word type, not one per word.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from repair.document.apply import occurrence_pattern
from repair.text import match_case

# A short window is enough for a 135M-parameter LM to tell "said" from "mentioned", and the cost
# grows with it: 6 words before the place and 3 after (the two-sided judgement). 12 words before
# and 3 places restored 0.4 points more on the test split for 28% more LM time (the model card).
LEFT_WORDS = 6
RIGHT_WORDS = 3
# Places read per entry: a spinner's map is the same everywhere, so a few places decide it.
MAX_PLACES = 2
# Margins beyond this many nats say no more (a garbled neighbour can make one place extreme).
CLIP = 20.0

WORD_CHUNK = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class EntryMargin:
    """The LM's margins for one map entry over the places it read (nats)."""

    mean: float
    smallest: float
    places: int


def left_window(text: str, start: int, words: int = LEFT_WORDS) -> str:
    """Up to ``words`` words before ``start`` in the same paragraph, with the space before ``start``."""
    paragraph_start = text.rfind("\n", 0, start) + 1
    chunks = WORD_CHUNK.findall(text[paragraph_start:start])
    return "".join(chunks[-words:])


def right_window(text: str, end: int, words: int = RIGHT_WORDS) -> str:
    """The text after ``end`` up to the end of its ``words``-th word, in the same paragraph."""
    paragraph_end = text.find("\n", end)
    after = text[end:paragraph_end if paragraph_end >= 0 else len(text)]
    taken, count = [], 0
    for match in re.finditer(r"\s*\S+", after):
        taken.append(match.group())
        count += bool(re.search(r"\w", match.group()))
        if count >= words:
            break
    return "".join(taken)


def place_pairs(text: str, old: str, new: str, max_places: int = MAX_PLACES) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """For the first ``max_places`` occurrences of ``old``: (left, old continuation), (left, new continuation)."""
    pairs = []
    for match in itertools.islice(occurrence_pattern(old).finditer(text), max_places):
        left, right = left_window(text, match.start()), right_window(text, match.end())
        pairs.append(((left, match.group() + right), (left, match_case(match.group(), new) + right)))
    return pairs


def entry_margins(lm, text: str, entries: Sequence[tuple[str, str]], max_places: int = MAX_PLACES) -> list[EntryMargin | None]:
    """The LM's margins for each (old, new) entry of ``text`` (None where ``old`` occurs nowhere).

    Args:
        lm: a ``repair.lm.LanguageModel`` (its ``continuation_logprobs`` reads every window in one batch).
    """
    places = [place_pairs(text, old, new, max_places) for old, new in entries]
    # Rival entries for one spun word ("mentioned -> said", "mentioned -> noted") share its
    # places as spun: each distinct window is read once.
    unique = list(dict.fromkeys(pair for entry in places for both in entry for pair in both))
    score_of = dict(zip(unique, lm.continuation_logprobs(unique) if unique else []))
    margins: list[EntryMargin | None] = []
    for entry in places:
        if not entry:
            margins.append(None)
            continue
        values = [max(-CLIP, min(CLIP, score_of[new] - score_of[old])) for old, new in entry]
        margins.append(EntryMargin(sum(values) / len(values), min(values), len(values)))
    return margins
