"""Text units with character offsets: words, paragraphs, sentences, case transfer, span overlap.

Every stage works on these so that offsets always point back into the caller's text. The
names are re-exported here because every stage uses them (``from repair import text``).
"""
from repair.text.units import (
    PARAGRAPH_RE,
    SENTENCE_END_RE,
    WORD_RE,
    Segment,
    Token,
    count_words,
    match_case,
    paragraphs,
    sentences,
    words,
)
from repair.text.spans import overlaps

__all__ = [
    "PARAGRAPH_RE",
    "SENTENCE_END_RE",
    "WORD_RE",
    "Segment",
    "Token",
    "count_words",
    "match_case",
    "paragraphs",
    "sentences",
    "words",
    "overlaps",
]
