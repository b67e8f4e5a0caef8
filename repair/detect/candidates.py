"""Candidate originals: which words a spinner could have replaced by a given word or phrase.

The lexicon detector (``repair.detect.lexicon``) scores every candidate this module proposes
against the corpus n-gram counts; the thesaurus (``repair.resources.thesaurus``) is the only
source of candidates, read through the shared ``Resources``.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from repair.memo import Memo
from repair.resources.thesaurus import Thesaurus

# Thesaurus sources a candidate original may come from. Two-hop synonyms are too loose to
# restore from, and corpus neighbours ("distrib") are by construction words that fit the same
# contexts, so the n-gram comparison cannot tell them from the original: in clean text they
# produce confident false edits ("shirked" -> "returned"). A trained detector may use both.
# Phrases whose lookups a detector remembers (least recently used dropped): the frequent phrases
# of news fit, and a worker's memory stays flat on a long batch (eval/reports/memory.json).
PHRASE_MEMO_SIZE = 50_000

SOURCES = ("phrase", "wordnet", "mythes", "similar", "related")


@dataclass(frozen=True)
class Candidate:
    """A possible original ``replacement`` for tokens ``[first, last)`` of a paragraph."""

    first: int
    last: int
    start: int
    end: int
    text: str
    replacement: str
    prior: float


class CandidateSource:
    """Possible originals of a (lower-case) word or phrase, inflected like it (``Thesaurus.originals``).

    Function words are only undone through phrase rewrites, as spinners only change them that
    way. Answers are memoised per instance (bounded): they depend only on the thesaurus.
    """

    def __init__(self, thesaurus: Thesaurus, limit: int, function_words: frozenset[str] = frozenset(), sources: Sequence[str] = SOURCES):
        self.thesaurus = thesaurus
        self.limit = limit
        self.function_words = function_words
        self.sources = tuple(sources)
        self._memo: Memo[str, list[tuple[str, float]]] = Memo(PHRASE_MEMO_SIZE)

    def originals(self, phrase: str) -> list[tuple[str, float]]:
        """(original surface form, weight) pairs, best weight first, excluding ``phrase`` itself."""
        return self._memo.get_or(phrase, self._lookup)

    def settings(self) -> dict:
        """What besides the thesaurus decides the answers (an originals table records it)."""
        return {"limit": self.limit, "function_words": sorted(self.function_words), "sources": list(self.sources)}

    def may_have_originals(self, phrase: str) -> bool:
        """False for a word pair or triple the thesaurus cannot know, by two set look-ups.

        Most pairs and triples of a text are no thesaurus entry; ruling them out here keeps
        them out of every memo, so the memos hold words and real phrases and stay warm.
        """
        if " " not in phrase:
            return True
        phrase = phrase.lower()  # as sources_of reads it
        return phrase in self._phrases or phrase.partition(" ")[2] in self._phrase_tails

    @functools.cached_property
    def _phrases(self) -> frozenset[str]:
        return self.thesaurus.inverse_phrases

    @functools.cached_property
    def _phrase_tails(self) -> frozenset[str]:
        """Each known phrase after its first word: an inflected first word ("took care of") keeps the tail."""
        return frozenset(p.partition(" ")[2] for p in self._phrases)

    def _lookup(self, phrase: str) -> list[tuple[str, float]]:
        # Most word pairs and triples are no thesaurus entry; skip the inflection analysis.
        if " " in phrase and not self.thesaurus.sources_of(phrase) and not self._inflected_phrase(phrase):
            return []
        only_phrase = phrase in self.function_words
        return [
            (o.text.lower(), o.weight)
            for o in self.thesaurus.originals(phrase, sources=self.sources)
            if o.text.lower() != phrase and (o.source == "phrase" or not only_phrase)
        ][: self.limit]

    def _inflected_phrase(self, phrase: str) -> bool:
        """A verb phrase whose first word is inflected ("took care of" -> "take care of")."""
        first, _, rest = phrase.partition(" ")
        return any(self.thesaurus.sources_of(f"{lemma} {rest}") for lemma, _ in self.thesaurus.inflector.analyses(first))
