"""Candidates for several places of one text, with the text read once (``score_slots``).

``LanguageModel.score_candidates`` judges one place: it reads the left context, then every
candidate on a copy of its key/value cache. The restorer asks that question for every flagged
region of a paragraph, so it read the paragraph's start again for each region: on a spun article
about three pieces in four the LM read were left context it had read before.

Here the paragraph runs through the model once, up to the last place asked about. Every
candidate of every place then reads that one cache, cut at its own place: the attention mask
hides the cached pieces after its place, and its position ids continue from there, so each
candidate sees exactly the pieces ``score_candidates`` would give it (``tests/lm/test_slots.py``
checks the numbers agree). Candidates of all places go through the model together, in batches.

A place whose left context does not tokenise as a prefix of the whole text (a word glued to the
one before it, so that BPE merges across the cut) is scored alone with ``score_candidates``.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from repair.lm.scorer import CandidateScore, _first_words, _right_padded

if TYPE_CHECKING:
    from repair.lm.scorer import LanguageModel

# Cached pieces copied per batch of candidates (rows x cached length): bounds the memory of the
# per-row key/value copies (30 layers x 3 heads x 64 x 2 x 4 bytes = 46 KB per piece: about
# 190 MB at this size).
CACHE_BUDGET = 4096


@dataclass(frozen=True)
class Slot:
    """One place of a text to fill: ``text[start:end]`` is replaced by each candidate in turn."""

    start: int
    end: int
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class _Row:
    """One candidate to read: its slot, its place in the slot, its prefix length and its pieces."""

    slot: int
    index: int
    prefix: int
    ids: list[int]
    cut: int


def score_slots(lm: LanguageModel, text: str, slots: Sequence[Slot], right_words: int = 3) -> list[list[CandidateScore]]:
    """``lm.score_candidates(text[:start], candidates, text[end:], right_words)`` for every slot.

    Returns:
        Per slot, one CandidateScore per candidate, in the given order.
    """
    results: list[list[CandidateScore] | None] = [None] * len(slots)
    whole = lm._encode(text)
    rows: list[_Row] = []
    for number, slot in enumerate(slots):
        left = text[:slot.start].rstrip(" ")
        space = text[len(left):slot.start]
        prefix_ids = lm._encode(left).ids
        prefix = len(prefix_ids)
        shared = prefix_ids == whole.ids[:prefix] and prefix <= lm.config.max_pieces
        right = _first_words(text[slot.end:], right_words)
        conts = [lm._encode(space + c + right, with_start=False) for c in slot.candidates]
        if not shared or not slot.candidates or any(not c.ids for c in conts):
            results[number] = lm.score_candidates(text[:slot.start], slot.candidates, text[slot.end:], right_words)
            continue
        for index, (candidate, cont) in enumerate(zip(slot.candidates, conts)):
            cut = sum(1 for s, _ in cont.spans if s < len(space) + len(candidate))
            rows.append(_Row(number, index, prefix, cont.ids, cut))
    if rows:
        lm._check_length(max(r.prefix + len(r.ids) for r in rows))
        with lm._scoring():
            logprobs = _read_rows(lm, whole.ids[:max(r.prefix for r in rows)], rows)
        for number, slot in enumerate(slots):
            if results[number] is None:
                results[number] = [None] * len(slot.candidates)  # type: ignore[list-item]
        for row, values in zip(rows, logprobs):
            candidate = slots[row.slot].candidates[row.index]
            results[row.slot][row.index] = CandidateScore(candidate, float(sum(values)), float(sum(values[:row.cut])), len(values))  # type: ignore[index]
    return results  # type: ignore[return-value]


def _read_rows(lm: LanguageModel, prefix: list[int], rows: Sequence[_Row]) -> list[list[float]]:
    """Per row, the log-prob of each of its pieces given its prefix (``prefix[:row.prefix]``) and its earlier pieces."""
    from transformers import DynamicCache

    cache = DynamicCache()
    prefix_hidden = lm._hidden(torch.tensor([prefix]), torch.ones(1, len(prefix), dtype=torch.long), cache)[0]
    # A row's first piece is predicted by the last piece of its prefix, the others by the row's own.
    states: list[torch.Tensor | None] = [None] * len(rows)
    for batch in _batches(sorted(range(len(rows)), key=lambda i: rows[i].prefix), rows):
        chunk = [rows[i] for i in batch]
        length = max(r.prefix for r in chunk)
        copied = copy.deepcopy(cache)
        if length < len(prefix):
            copied.crop(length - len(prefix))  # transformers 5: a negative count of pieces to drop
        copied.batch_repeat_interleave(len(chunk))
        ids, mask = _right_padded([r.ids for r in chunk], lm._pad_id)
        width = ids.shape[1]
        positions = torch.stack([torch.arange(r.prefix, r.prefix + width) for r in chunk])
        hidden = lm.model.get_decoder()(ids, _mask(chunk, length, mask), positions, copied, use_cache=True).last_hidden_state
        for i, row, row_hidden in zip(batch, chunk, hidden):
            states[i] = torch.cat([prefix_hidden[row.prefix - 1:row.prefix], row_hidden[:len(row.ids) - 1]])
    return lm._piece_logprobs(states, [r.ids for r in rows])  # type: ignore[arg-type]


def _batches(order: Sequence[int], rows: Sequence[_Row]) -> list[list[int]]:
    """Consecutive rows (sorted by prefix length) in batches of at most ``CACHE_BUDGET`` cached pieces."""
    batches: list[list[int]] = []
    for i in order:
        if batches and (len(batches[-1]) + 1) * rows[i].prefix <= CACHE_BUDGET:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _mask(chunk: Sequence[_Row], length: int, pieces: torch.Tensor) -> torch.Tensor:
    """Additive 4-D attention mask: a row sees its own prefix of the cache and its earlier pieces."""
    width = pieces.shape[1]
    keys = torch.arange(length)
    cached = torch.stack([keys < r.prefix for r in chunk])                       # (rows, length)
    causal = torch.tril(torch.ones(width, width, dtype=torch.bool))             # (width, width)
    own = causal.unsqueeze(0) & pieces.bool().unsqueeze(1)                        # (rows, width, width)
    allowed = torch.cat([cached.unsqueeze(1).expand(-1, width, -1), own], dim=2)  # (rows, width, length + width)
    mask = torch.zeros(allowed.shape, dtype=torch.float32)
    mask[~allowed] = torch.finfo(torch.float32).min
    return mask.unsqueeze(1)
