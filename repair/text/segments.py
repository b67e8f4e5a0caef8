"""Paragraphs and sentences with character offsets into the caller's text."""
from __future__ import annotations

import re
from dataclasses import dataclass

PARAGRAPH_RE = re.compile(r"[^\n]+")
# Sentence ends: . ! ? followed by space and an upper-case letter, digit or quote.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


@dataclass(frozen=True)
class Segment:
    """A paragraph or sentence of the input with its character offsets."""

    start: int
    end: int
    text: str


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


def starts_sentence(text: str, start: int, *, ends: str = ".!?:\n", openers: str = " \"'“‘(") -> bool:
    """True when ``text[start:]`` begins a sentence: nothing but ``openers`` (spaces, opening
    quotes and brackets) lies between it and the start of the text or one of ``ends``.

    Callers widen ``ends`` to what their data needs: the spinner treats a dash as a sentence
    start (datelines: "LONDON — Officials said"), the glossary miner a semicolon.
    """
    before = text[:start].rstrip(openers)
    return not before or before[-1] in ends
