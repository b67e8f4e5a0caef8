"""Immutables and their shingles: the fingerprint of a paragraph that survives spinning.

A spinner swaps content words for synonyms but leaves names, numbers, acronyms and most
function words alone (DSpin, Zhang et al., NDSS 2014). The sequence of those *immutables* is
therefore nearly the same in a spun copy and in its source, while the content words between
them are not. Shingles (consecutive k-grams) of that sequence, hashed to integers, are what
the index stores and what retrieval looks up.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from repair.text import Token, words

# Function words spinners leave alone in the great majority of cases. Kept here, not imported
# from the synthetic spinner, because the index's shingles depend on this exact list: a change
# must change SHINGLE_SIGNATURE (and so invalidate old indexes), not happen silently.
# Adverbs and quantifiers ("also", "more") are left out on purpose: spinners swap them.
IMMUTABLE_WORDS = frozenset("""
a an the and or but nor of to in on at by for from with into as than that this these those
there it its he him his she her they them their we us our you your i who whom whose which what
when where whether if not no be is am are was were been being have has had do does did will would
shall should can could may might must one two three four five six seven eight nine ten mr mrs ms dr
zero eleven twelve twenty thirty forty fifty hundred thousand million billion trillion percent pct
mln bln dlrs
""".split())

SHINGLE_K = 3
HASH_BITS = 47  # fits SQLite's 6-byte integers; collisions only add candidates, never lose one
SHINGLE_SIGNATURE = "imm-v1|k:3|hash:blake2b47|words:" + hashlib.sha1(
    " ".join(sorted(IMMUTABLE_WORDS)).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Fingerprint:
    """A paragraph's word tokens, which of them are immutables, and its shingle hashes."""

    tokens: tuple[Token, ...]
    immutable: tuple[int, ...]  # indices into tokens
    shingles: frozenset[int]


def is_immutable(text: str, token: Token) -> bool:
    """Whether a spinner would (almost) never change this word.

    Numbers, acronyms, listed function words and capitalised words inside a sentence (names,
    organisations) count; a capitalised first word of a sentence does not, since spinners
    swap those like any other word.
    """
    word = token.text
    if any(ch.isdigit() for ch in word):
        return True
    if word.lower() in IMMUTABLE_WORDS:
        return True
    if len(word) > 1 and word.isupper():
        return True
    return word[0].isupper() and not _sentence_initial(text, token.start)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?:;\n"


def immutable_words(text: str, tokens: list[Token] | None = None) -> list[str]:
    """The lower-cased immutables of ``text`` in order."""
    tokens = words(text) if tokens is None else tokens
    return [t.text.lower() for t in tokens if is_immutable(text, t)]


def hash_shingle(words_: tuple[str, ...] | list[str]) -> int:
    """Stable 47-bit hash of a word k-gram (Python's str hash is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(words_).encode("utf-8"), digest_size=6).digest()
    return int.from_bytes(digest, "big") >> (48 - HASH_BITS)


def shingle_hashes(sequence: list[str], k: int = SHINGLE_K) -> list[int]:
    """Hashes of the k-grams of ``sequence`` in order; a sequence shorter than k is one shingle."""
    if not sequence:
        return []
    if len(sequence) < k:
        return [hash_shingle(sequence)]
    return [hash_shingle(sequence[i:i + k]) for i in range(len(sequence) - k + 1)]


def shingle_set(sequence: list[str], k: int = SHINGLE_K) -> frozenset[int]:
    """The distinct hashes of ``shingle_hashes``."""
    return frozenset(shingle_hashes(sequence, k))


def fingerprint(text: str) -> Fingerprint:
    """Tokens, immutable positions and shingles of one paragraph."""
    tokens = words(text)
    immutable = tuple(i for i, t in enumerate(tokens) if is_immutable(text, t))
    sequence = [tokens[i].text.lower() for i in immutable]
    return Fingerprint(tuple(tokens), immutable, shingle_set(sequence))
