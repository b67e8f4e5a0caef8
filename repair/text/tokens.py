"""Words and tokens with character offsets: one ``Token``, three tokenizers.

The three tokenizers differ on purpose, each for what its consumer needs; they share the word
pattern ``WORD_RE``. Each is frozen by shipped data, so none may change alone:

* ``words``: words only. Spinner, detectors and restorers work word by word, and the
  committed suite was spun with exactly these words.
* ``glossary_tokens``: words, plus dotted capital abbreviations ("U.S.", "U.N.") as one token,
  because they are parts of names ("U.S. Army"). No punctuation tokens: the matcher reads the
  gaps between tokens instead. The shipped glossary was mined with it.
* ``ngram_tokens``: words, dotted abbreviations of any letters ("U.S.", "e.g.") as one token so
  that their context survives, and clause punctuation as tokens of its own, because a language
  model needs sentence boundaries. The shipped n-gram counts were built with it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# A word is a run of letters/digits, possibly joined by internal apostrophes or hyphens
# ("Kassym-Jomart", "don't", "1,700" is split at the comma on purpose: numbers are protected
# tokens and never substituted as a whole).
WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
GLOSSARY_TOKEN_RE = re.compile(rf"(?:[A-Z]\.){{2,}}|{WORD_RE.pattern}", re.UNICODE)
NGRAM_TOKEN_RE = re.compile(rf"(?:[^\W\d_]\.){{2,}}|{WORD_RE.pattern}|[.!?;:,]")
SENTENCE_PUNCTUATION = ".!?;:"


@dataclass(frozen=True)
class Token:
    """A token of a text with its character offsets: ``text == source[start:end]``."""

    start: int
    end: int
    text: str

    @functools.cached_property
    def norm(self) -> str:
        """The form the n-gram counts know the token by (see ``normalize``)."""
        return normalize(self.text)


def normalize(token: str) -> str:
    """Lower-case, straight apostrophes, and one symbol for all sentence-ending punctuation."""
    if token in SENTENCE_PUNCTUATION:
        return "."
    return token.lower().replace("’", "'")


def _tokens(pattern: re.Pattern, text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


def words(text: str) -> list[Token]:
    """Words of ``text``; punctuation and spaces are not tokens."""
    return _tokens(WORD_RE, text)


def glossary_tokens(text: str) -> list[Token]:
    """Words of ``text`` with dotted capital abbreviations ("U.S.") as single tokens."""
    return _tokens(GLOSSARY_TOKEN_RE, text)


def ngram_tokens(text: str) -> list[Token]:
    """Words, dotted abbreviations and ``. ! ? ; : ,`` of ``text``, as the n-gram counts saw them."""
    return _tokens(NGRAM_TOKEN_RE, text)


def count_words(text: str) -> int:
    """Number of ``words`` in ``text``."""
    return sum(1 for _ in WORD_RE.finditer(text))
