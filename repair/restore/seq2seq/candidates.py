"""Candidates for a flagged region, their prior, and the faithfulness filter.

Candidates = the copy (the spun words themselves) ∪ the decoder's own proposals ∪ pair-prior
originals ∪ thesaurus originals (already inflected like the spun word) ∪, for multi-word
regions, one-word replacements. Candidates that drop or change a protected word (numbers,
acronyms, names) or change the digits are removed before scoring; the copy always stays, so
the worst case is no edit.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

from repair import text as textutil
from repair.detect.candidates import PHRASE_MEMO_SIZE
from repair.memo import Memo
from repair.restore.seq2seq.model import Seq2SeqConfig

DIGIT_RE = re.compile(r"\d")
JOINER_RE = re.compile(r"\s*([-'’/])\s*")


def normalise_phrase(text: str) -> str:
    """Lower case, single spaces: the form candidates are compared and counted in."""
    return " ".join(text.lower().split())


def detokenise(text: str) -> str:
    """WordPiece decode spacing to plain text ("well - known" -> "well-known")."""
    return JOINER_RE.sub(r"\1", text).strip()


def is_protected(word: str, *, spinnable: frozenset[str]) -> bool:
    """Tokens never rewritten: numbers, acronyms, capitalised names a spinner does not produce."""
    if DIGIT_RE.search(word) or textutil.is_all_caps(word):
        return True
    # A capitalised word is a name unless spinners are known to emit it ("Overseas" in
    # "Overseas Minister" or a sentence-initial "Additionally" are; "Tileuberdi" is not).
    return textutil.is_capitalized(word) and word.lower() not in spinnable


def candidate_allowed(old: str, candidate: str, spinnable: frozenset[str]) -> bool:
    """Faithfulness filter: same digits, every protected word of ``old`` kept, not empty."""
    if not candidate.strip():
        return False
    if sorted(DIGIT_RE.findall(old)) != sorted(DIGIT_RE.findall(candidate)):
        return False
    kept = candidate.lower().split()
    return all(t.text.lower() in kept for t in textutil.words(old) if is_protected(t.text, spinnable=spinnable))


class CandidatePrior:
    """Where candidates come from besides the decoder, and their prior pseudo-counts.

    ``pairs[spun phrase][original] = count`` from the training pairs; thesaurus originals get
    ``thesaurus_count``, the copy ``self_count``, everything else (e.g. a decoder-only word)
    ``prior_floor``: a prior, not a filter.

    Args:
        pairs: spun phrase -> original -> count (lower case; ``pairs.json``).
        config: the pseudo-counts.
        thesaurus: the shared ``Thesaurus`` (None: pair originals only).
    """

    def __init__(self, pairs: dict[str, dict[str, float]], config: Seq2SeqConfig, thesaurus=None):
        self.pairs = pairs
        self.config = config
        self.thesaurus = thesaurus
        self.cache: Memo[str, tuple[str, ...]] = Memo(PHRASE_MEMO_SIZE)  # bounded: a long batch meets new phrases all along

    def thesaurus_originals(self, phrase: str) -> tuple[str, ...]:
        """Up to 8 distinct thesaurus originals of a phrase (cached)."""
        return self.cache.get_or(normalise_phrase(phrase), self._thesaurus_originals)

    def _thesaurus_originals(self, key: str) -> tuple[str, ...]:
        found = [normalise_phrase(o.text) for o in self.thesaurus.originals(key)] if self.thesaurus else []
        return tuple(dict.fromkeys(found))[:8]

    def proposals(self, phrase: str) -> list[str]:
        """Non-decoder candidates for a region: pair originals, thesaurus originals, word variants."""
        key = normalise_phrase(phrase)
        found = [text for text, _ in self.top_pairs(key, 8)] + list(self.thesaurus_originals(key))
        words = key.split()
        if len(words) > 1:  # one word replaced at a time ("safety" -> "security" inside a name)
            for i, word in enumerate(words):
                options = [text for text, _ in self.top_pairs(word, 2)] + list(self.thesaurus_originals(word)[:2])
                found.extend(" ".join([*words[:i], option, *words[i + 1 :]]) for option in options)
        return found

    def top_pairs(self, key: str, n: int) -> list[tuple[str, float]]:
        """The ``n`` most counted originals of a spun phrase (stable for ties)."""
        return sorted(self.pairs.get(key, {}).items(), key=lambda kv: -kv[1])[:n]

    def logprob(self, phrase: str, candidate: str) -> float:
        """log(pair count + thesaurus and copy pseudo-counts + floor) of ``candidate`` for ``phrase``."""
        key, cand = normalise_phrase(phrase), normalise_phrase(candidate)
        count = self.pairs.get(key, {}).get(cand, 0.0) / self.config.pair_count_scale
        if cand in self.thesaurus_originals(key):
            count += self.config.thesaurus_count
        if cand == key:
            count += self.config.self_count
        return math.log(count + self.config.prior_floor)


def region_candidates(old: str, proposed: Sequence[str], prior: CandidatePrior, encoder, *, spinnable: frozenset[str],
                      max_target: int, max_candidates: int) -> list[tuple[str, tuple[int, ...]]]:
    """(text, pieces) candidates of one region, copy first, de-duplicated by pieces, filtered.

    Order decides what survives ``max_candidates``: the copy, the decoder's own outputs, then
    the prior's proposals.

    Args:
        old: the region's spun text.
        proposed: the decoder's own outputs, as text.
        prior: the other candidate sources.
        encoder: the WordPiece encoder (candidates longer than ``max_target`` pieces are dropped).
        spinnable: words spinners emit (see ``is_protected``).
    """
    texts = [normalise_phrase(t) for t in [old, *proposed, *prior.proposals(old)]]
    texts = [t for i, t in enumerate(texts) if i == 0 or candidate_allowed(old, t, spinnable)]
    seen: set[tuple[int, ...]] = set()
    result: list[tuple[str, tuple[int, ...]]] = []
    for text, pieces in zip(texts, encoder.encode_batch(texts)):
        pieces = tuple(pieces)
        if result and (pieces in seen or not pieces or len(pieces) > max_target):
            continue  # the copy (first) always stays: the worst case is no edit
        seen.add(pieces)
        result.append((text, pieces))
        if len(result) >= max_candidates:
            break
    return result
