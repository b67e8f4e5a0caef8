"""The text toolkit every stage shares: tokens with offsets, segments, case transfer, span overlap.

Offsets always point back into the caller's text. Each of these is written once, here; the
names are re-exported so that stages write ``from repair.text import words``.
"""
from repair.text.case import copy_initial_case, is_all_caps, is_capitalized, match_case, match_case_by_word
from repair.text.segments import PARAGRAPH_RE, SENTENCE_END_RE, Segment, paragraphs, sentences, starts_sentence
from repair.text.spans import overlaps
from repair.text.tokens import (
    GLOSSARY_TOKEN_RE,
    NGRAM_TOKEN_RE,
    WORD_RE,
    Token,
    count_words,
    glossary_tokens,
    ngram_tokens,
    normalize,
    words,
)

__all__ = [
    "GLOSSARY_TOKEN_RE",
    "NGRAM_TOKEN_RE",
    "PARAGRAPH_RE",
    "SENTENCE_END_RE",
    "WORD_RE",
    "Segment",
    "Token",
    "copy_initial_case",
    "count_words",
    "glossary_tokens",
    "is_all_caps",
    "is_capitalized",
    "match_case",
    "match_case_by_word",
    "ngram_tokens",
    "normalize",
    "overlaps",
    "paragraphs",
    "sentences",
    "starts_sentence",
    "words",
]
