"""What a document's word counts say about a map entry ``old -> new``, and the entry's decider inputs.

A spinner that maps "said" to "mentioned" everywhere leaves a news article with "mentioned" far
more often than news uses it and "said" never, where a news article that size says "said" about
17 times. For an entry the document's counts give two log-likelihood ratios under Poisson counts,
"new was spun into old throughout" against "clean":

    excess  = log P(count(old) | N (p_old + p_new)) - log P(count(old) | N p_old)
    absence = log P(count(new) | N p_new * LEFT)   - log P(count(new) | N p_new)

with N the document's tokens, p the corpus unigram (or phrase) probabilities and LEFT the share of
``new`` a one-map spinner leaves behind.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from repair.document.apply import occurrence_pattern
from repair.resources.ngram import NgramModel, tokenize

# The share of a word's expected count that a one-map spinner leaves in place (a little, not
# none: a spinner skips some occurrences, and a word can enter through another substitution).
LEFT = 0.05


@dataclass(frozen=True)
class CountEvidence:
    """What the document's counts say about ``old -> new`` (see the module docstring)."""

    excess: float
    absence: float
    expected_old: float
    expected_new: float
    count_old: int
    count_new: int


@dataclass(frozen=True)
class EntryFeatures:
    """One candidate map entry of one document and the numbers a decider reads."""

    old: str
    new: str
    occurrences: int
    values: tuple[float, ...]


def poisson_logpmf(count: int, mean: float) -> float:
    mean = max(mean, 1e-6)
    return count * math.log(mean) - mean - math.lgamma(count + 1)


def phrase_probability(ngram: NgramModel, phrase: str) -> float | None:
    """Corpus probability of a 1-3 token phrase (None for longer ones: no counts kept); a phrase
    the corpus lacks, or with a word outside its vocabulary ("geezerhood"), gets half a count."""
    norms = [t.norm for t in tokenize(phrase)]
    if not 1 <= len(norms) <= 3:
        return None
    return max(ngram.count(norms), 0.5) / float(ngram.meta["tokens"])


def count_evidence_from(count_old: int, count_new: int, tokens: int, p_old: float, p_new: float) -> CountEvidence:
    """The two log-likelihood ratios from the counts of ``old`` and ``new`` in a document of ``tokens``."""
    expected_old, expected_new = tokens * p_old, tokens * p_new
    excess = poisson_logpmf(count_old, expected_old + expected_new) - poisson_logpmf(count_old, expected_old)
    absence = poisson_logpmf(count_new, expected_new * LEFT) - poisson_logpmf(count_new, expected_new)
    return CountEvidence(excess, absence, expected_old, expected_new, count_old, count_new)


def count_evidence(text: str, tokens: int, old: str, new: str, ngram: NgramModel) -> CountEvidence | None:
    """Poisson evidence from the document's counts of ``old`` and ``new``; None without counts."""
    p_old, p_new = phrase_probability(ngram, old), phrase_probability(ngram, new)
    if p_old is None or p_new is None:
        return None
    count_old = len(occurrence_pattern(old).findall(text))
    count_new = len(occurrence_pattern(new).findall(text))
    return count_evidence_from(count_old, count_new, tokens, p_old, p_new)


def count_values(evidence: CountEvidence) -> tuple[float, ...]:
    """The count inputs every decider reads: excess, absence (clipped and scaled), the expected
    counts (log) and whether ``new`` is present at all."""
    return (
        min(max(evidence.excess, -10.0), 30.0) / 10.0,
        min(max(evidence.absence, -10.0), 10.0) / 5.0,
        math.log(evidence.expected_new + 1e-3),
        math.log(evidence.expected_old + 1e-3),
        float(evidence.count_new > 0),
    )
