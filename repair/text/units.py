"""Text units with character offsets: words, paragraphs, sentences, and case transfer.

Every stage works on these so that offsets always point back into the caller's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A word is a run of letters/digits, possibly joined by internal apostrophes or hyphens
# ("Kassym-Jomart", "don't", "1,700" is split at the comma on purpose: numbers are protected
# tokens and never substituted as a whole).
WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
PARAGRAPH_RE = re.compile(r"[^\n]+")
# Sentence ends: . ! ? followed by space and an upper-case letter, digit or quote.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


@dataclass(frozen=True)
class Token:
    """A word of the input with its character offsets."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Segment:
    """A paragraph or sentence of the input with its character offsets."""

    start: int
    end: int
    text: str


def words(text: str) -> list[Token]:
    """Split text into word tokens; punctuation and spaces are not tokens."""
    return [Token(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def paragraphs(text: str) -> list[Segment]:
    """Non-empty lines of text (the corpus and most articles put one paragraph per line)."""
    return [Segment(m.start(), m.end(), m.group()) for m in PARAGRAPH_RE.finditer(text)]


def sentences(text: str) -> list[Segment]:
    """Split a paragraph into sentences on end punctuation followed by a capital or digit."""
    segments = []
    start = 0
    for match in SENTENCE_END_RE.finditer(text):
        segments.append(Segment(start, match.start(), text[start : match.start()]))
        start = match.end()
    if start < len(text):
        segments.append(Segment(start, len(text), text[start:]))
    return [s for s in segments if s.text.strip()]


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation pattern of ``template`` (ALL CAPS, Title, lower).

    Only the first letter is touched for Title case so that canonical capitals inside the
    replacement ("McDonald", "CSTO") survive.
    """
    if not template or not word:
        return word
    letters = [c for c in template if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if template[0].isupper():
        return word[0].upper() + word[1:]
    return word


def count_words(text: str) -> int:
    return sum(1 for _ in WORD_RE.finditer(text))
