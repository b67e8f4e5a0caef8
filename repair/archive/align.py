"""Word-by-word alignment of a paragraph with its source, and which differences to put back.

Sentences are paired first (each sentence of the copy with the source sentence it shares most
words with), so a copy that reorders or drops sentences still aligns; words are then aligned
inside each pair with rapidfuzz's Levenshtein opcodes, and neighbouring non-equal opcodes are
merged into one *block* ("against" -> "in opposition to" is one block, not three edits).

A block is *restorable*, i.e. looks like a spinner's or machine translator's swap rather than
the copier's own change, when it is phrase-sized, sits between words both texts share, and
touches no number (spinners never change numbers; a different number means different facts).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Indel, Levenshtein

from repair.archive.shingles import is_immutable
from repair.text import Segment, Token, sentences, words

MAX_BLOCK_WORDS = 8  # adjacent swaps merge: "company reported higher" -> "fellowship covered more superior"
MAX_GAP_WORDS = 2  # a pure insertion/deletion this long or shorter ("will probably be")
MIN_SENTENCE_MATCH = 0.34  # share of a sentence's words found in the source sentence to pair them
MIN_IMMUTABLE_MATCH = 0.6  # share of a sentence's immutables that must align to restore in it

DiffOp = Literal["replace", "insert", "delete", "unmatched"]


@dataclass(frozen=True)
class WordDiff:
    """One difference between a paragraph (the copy) and its source.

    ``start``/``end`` are character offsets into the copy's paragraph; ``old`` is the copy's
    text there, ``new`` the source's. ``op`` is seen from the copy: "delete" means the copy has
    words the source lacks, "insert" that the source has words the copy lacks, "unmatched" a
    whole sentence of the copy with no source sentence. ``restorable`` says whether putting
    ``new`` in place of ``old`` undoes a spinner-style swap; ``confidence`` how sure that is.
    """

    op: DiffOp
    start: int
    end: int
    old: str
    new: str
    restorable: bool
    confidence: float

    def to_dict(self) -> dict:
        return {"op": self.op, "start": self.start, "end": self.end, "old": self.old, "new": self.new,
                "restorable": self.restorable, "confidence": self.confidence}


@dataclass(frozen=True)
class _Side:
    """A sentence's tokens (offsets into its paragraph), lower-cased words and immutable flags."""

    text: str
    tokens: tuple[Token, ...]
    lower: tuple[str, ...]
    immutable: tuple[bool, ...]


def _side(paragraph: str, segment: Segment) -> _Side:
    tokens = tuple(Token(t.start + segment.start, t.end + segment.start, t.text) for t in words(segment.text))
    flags = tuple(is_immutable(paragraph, t) for t in tokens)
    return _Side(paragraph, tokens, tuple(t.text.lower() for t in tokens), flags)


def _sentence_sides(paragraph: str) -> list[_Side]:
    return [side for side in (_side(paragraph, s) for s in sentences(paragraph)) if side.tokens]


def lcs_length(a, b) -> int:
    """Length of the longest common subsequence of two word sequences."""
    return (len(a) + len(b) - Indel.distance(a, b)) // 2


def immutable_containment(copy: list[str], source: list[str]) -> float:
    """Share of the copy's immutables found, in order, among the source's."""
    return lcs_length(copy, source) / len(copy) if copy else 0.0


def _pair(copy: _Side, candidates: list[_Side]) -> tuple[_Side | None, float]:
    """The source sentence sharing most words (in order) with ``copy``, and that share."""
    best, best_share = None, 0.0
    for candidate in candidates:
        share = lcs_length(copy.lower, candidate.lower) / len(copy.lower)
        if share > best_share:
            best, best_share = candidate, share
    return (best, best_share) if best_share >= MIN_SENTENCE_MATCH else (None, best_share)


def _blocks(copy: _Side, source: _Side) -> list[tuple[int, int, int, int]]:
    """Maximal runs of non-equal opcodes, as (copy start, copy end, source start, source end)."""
    blocks: list[list[int]] = []
    previous_equal = True
    for op in Levenshtein.opcodes(list(copy.lower), list(source.lower)):
        if op.tag == "equal":
            previous_equal = True
            continue
        if previous_equal or not blocks:
            blocks.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
        else:
            blocks[-1][1], blocks[-1][3] = op.src_end, op.dest_end
        previous_equal = False
    return [tuple(b) for b in blocks]


def _immutable_agreement(copy: _Side, source: _Side) -> float:
    """Share of the source sentence's immutables that the copy keeps, in order.

    Measured on the source's side because phrase rewrites add function words to the copy
    ("against" -> "in opposition to"), while a different sentence that merely looks alike
    loses the source's names and numbers.
    """
    a = [w for w, f in zip(copy.lower, copy.immutable) if f]
    b = [w for w, f in zip(source.lower, source.immutable) if f]
    # Add-one smoothing: in a five-word sentence one swapped name should not look like 20% damage.
    return (lcs_length(a, b) + 1) / (len(b) + 1)


def _restorable(copy: _Side, source: _Side, block: tuple[int, int, int, int]) -> bool:
    i1, i2, j1, j2 = block
    size_copy, size_source = i2 - i1, j2 - j1
    if size_copy > MAX_BLOCK_WORDS or size_source > MAX_BLOCK_WORDS:
        return False
    if (size_copy == 0 or size_source == 0) and max(size_copy, size_source) > MAX_GAP_WORDS:
        return False
    # Each swap maps one to three words onto one to three, so merged swaps stay about as long
    # on both sides; "planted with sunflower for this harvest" -> "sown" is a rewrite.
    if abs(size_copy - size_source) > MAX_GAP_WORDS:
        return False
    # A source number is never changed by spinning ("year" -> "12 months" adds one, which is fine).
    if any(ch.isdigit() for t in source.tokens[j1:j2] for ch in t.text):
        return False
    # Anchored on both sides by shared words, or by the sentence's own start/end in both.
    before = (i1 > 0 and j1 > 0) or (i1 == 0 and j1 == 0)
    after = (i2 < len(copy.tokens) and j2 < len(source.tokens)) or (i2 == len(copy.tokens) and j2 == len(source.tokens))
    if not (before and after):
        return False
    # A pure insertion or deletion needs a word before it to attach to.
    return not ((size_copy == 0 or size_source == 0) and i1 == 0)


def _diff(copy: _Side, source: _Side, block, confidence: float) -> WordDiff:
    i1, i2, j1, j2 = block
    restorable = confidence >= MIN_IMMUTABLE_MATCH and _restorable(copy, source, block)
    if i1 == i2:  # the source has words the copy lacks: insert them after the previous word
        at = copy.tokens[i1 - 1].end if i1 else copy.tokens[0].start
        new_start = source.tokens[j1 - 1].end if j1 else source.tokens[j1].start
        return WordDiff("insert", at, at, "", source.text[new_start:source.tokens[j2 - 1].end], restorable, confidence)
    if j1 == j2:  # the copy has words the source lacks: remove them with the space before
        start = copy.tokens[i1 - 1].end if i1 else copy.tokens[i1].start
        return WordDiff("delete", start, copy.tokens[i2 - 1].end, copy.text[start:copy.tokens[i2 - 1].end], "",
                        restorable, confidence)
    start, end = copy.tokens[i1].start, copy.tokens[i2 - 1].end
    new = source.text[source.tokens[j1].start:source.tokens[j2 - 1].end]
    return WordDiff("replace", start, end, copy.text[start:end], new, restorable, confidence)


def align_paragraphs(copy: str, source: str) -> tuple[WordDiff, ...]:
    """Every word difference between ``copy`` and ``source``, in the copy's order.

    Args:
        copy: the paragraph being traced (offsets in the result point into it).
        source: the archive paragraph it was copied from.

    Returns:
        Diffs sorted by start; sentences of the copy with no source sentence are one
        "unmatched" diff each, never restorable.
    """
    source_sides = _sentence_sides(source)
    diffs: list[WordDiff] = []
    for side in _sentence_sides(copy):
        match, _ = _pair(side, source_sides)
        if match is None:
            start, end = side.tokens[0].start, side.tokens[-1].end
            diffs.append(WordDiff("unmatched", start, end, copy[start:end], "", False, 0.0))
            continue
        confidence = round(_immutable_agreement(side, match), 3)
        diffs.extend(_diff(side, match, block, confidence) for block in _blocks(side, match))
    return tuple(sorted(diffs, key=lambda d: (d.start, d.end)))
