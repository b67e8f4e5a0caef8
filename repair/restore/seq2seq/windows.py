"""Encoder input: a sentence with its flagged regions marked, as MiniLM WordPiece ids.

A window is one sentence with every flagged region wrapped in ``[unused0] … [unused1]``, cut
to ``max_tokens`` pieces around the regions. ``span_regions`` turns the detector's spans into
those regions (the words each span overlaps, grouped by sentence).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from repair import text as textutil
from repair.modeling.pretrained import minilm_folder
from repair.results import Span


@dataclass(frozen=True)
class PieceIds:
    """The special ids around a window and a flagged region."""

    bos: int
    eos: int
    pad: int
    open: int
    close: int


class WordPieceEncoder:
    """MiniLM's uncased WordPiece tokenizer; ``[unused0]``/``[unused1]`` mark a region."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        ids = tokenizer.convert_tokens_to_ids
        self.ids = PieceIds(ids("[CLS]"), ids("[SEP]"), ids("[PAD]"), ids("[unused0]"), ids("[unused1]"))
        self.vocab_size = len(tokenizer)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Piece ids of each text, without special tokens."""
        if not texts:
            return []
        return self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]

    def decode(self, pieces: Sequence[int]) -> str:
        """WordPiece text of ``pieces`` (spaced as the tokenizer joins them)."""
        return self.tokenizer.decode(list(pieces))


def load_wordpiece_encoder() -> WordPieceEncoder:
    """MiniLM's tokenizer, read from its package (never downloaded)."""
    from transformers import BertTokenizerFast

    return WordPieceEncoder(BertTokenizerFast.from_pretrained(str(minilm_folder())))


@dataclass(frozen=True)
class Window:
    """Encoder input for one sentence.

    ``positions[i]`` is the index in ``ids`` of the first piece of the i-th flagged word
    (flagged words in text order across all regions of the window).
    """

    ids: tuple[int, ...]
    positions: tuple[int, ...]


def window_chunks(text: str, regions: Sequence[Sequence[textutil.Token]]) -> list[tuple[str, str]]:
    """Split a sentence into ("text"|"word"|"open"|"close", string) chunks in order."""
    chunks: list[tuple[str, str]] = []
    cursor = 0
    for region in regions:
        chunks.append(("text", text[cursor : region[0].start]))
        chunks.append(("open", ""))
        for i, word in enumerate(region):
            if i:
                chunks.append(("text", text[region[i - 1].end : word.start]))
            chunks.append(("word", word.text))
        chunks.append(("close", ""))
        cursor = region[-1].end
    chunks.append(("text", text[cursor:]))
    return chunks


def encode_window(encoder, text: str, regions: Sequence[Sequence[textutil.Token]], max_tokens: int) -> Window:
    """Pieces of ``text`` with every region marked, cut to ``max_tokens`` around the regions.

    Args:
        encoder: anything with ``encode_batch(texts)`` and ``ids`` (``PieceIds``).
        text: the sentence.
        regions: flagged words, offsets into ``text``.
        max_tokens: longest window, bos and eos included.
    """
    chunks = window_chunks(text, regions)
    strings = [s.strip() for kind, s in chunks if kind in ("text", "word")]
    encoded = iter(encoder.encode_batch(strings))
    ids: list[int] = []
    positions: list[int] = []
    for kind, _ in chunks:
        if kind == "open":
            ids.append(encoder.ids.open)
        elif kind == "close":
            ids.append(encoder.ids.close)
        else:
            pieces = next(encoded)
            if kind == "word":
                positions.append(len(ids))
                pieces = pieces or [encoder.ids.pad]
            ids.extend(pieces)
    return cut_window(ids, positions, encoder.ids, max_tokens)


def cut_window(ids: list[int], positions: list[int], special: PieceIds, max_tokens: int) -> Window:
    """Add bos/eos and keep at most ``max_tokens`` pieces, centred on the flagged words."""
    room = max_tokens - 2
    if len(ids) > room:
        # Centre the cut on the flagged words; the caller splits regions that do not fit together.
        middle = (positions[0] + positions[-1]) // 2 if positions else 0
        lo = max(0, min(middle - room // 2, len(ids) - room))
        ids = ids[lo : lo + room]
        positions = [p - lo for p in positions]
    return Window(tuple([special.bos, *ids, special.eos]), tuple(p + 1 for p in positions))


def fits(window: Window, expected: int, max_tokens: int) -> bool:
    """Every flagged word survived the cut."""
    return len(window.positions) == expected and all(0 < p < max_tokens - 1 for p in window.positions)


def pad_rows(rows: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded id tensor and attention mask of rows of piece ids (windows or decoder sequences)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(list(row), dtype=torch.long)
        mask[i, : len(row)] = 1
    return ids, mask


def span_regions(paragraph: str, spans: Sequence[Span]) -> list[tuple[textutil.Segment, list[list[textutil.Token]]]]:
    """Flagged words grouped by sentence: each span becomes the words it overlaps (a region).

    A word belongs to the first span (in text order) that overlaps it.
    """
    tokens = textutil.words(paragraph)
    result = []
    for sentence in textutil.sentences(paragraph):
        inside = [t for t in tokens if sentence.start <= t.start and t.end <= sentence.end]
        regions: list[list[textutil.Token]] = []
        taken: set[int] = set()
        for span in sorted(spans, key=lambda s: s.start):
            region = [t for t in inside if textutil.overlaps(t.start, t.end, span.start, span.end) and t.start not in taken]
            if region:
                taken.update(t.start for t in region)
                regions.append(region)
        if regions:
            result.append((sentence, regions))
    return result


def sentence_local(regions: Sequence[Sequence[textutil.Token]], sentence: textutil.Segment) -> list[list[textutil.Token]]:
    """The regions with offsets into ``sentence`` instead of the paragraph."""
    return [[textutil.Token(t.start - sentence.start, t.end - sentence.start, t.text) for t in region] for region in regions]
