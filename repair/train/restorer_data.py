"""Restorer training data and loss: labelled sentence windows, decoder targets, the teacher-forced loss.

Each sentence of a row's ``spun`` text that holds substitutions becomes one window: every
substitution is a marked region whose first word is labelled with the original wording (lower
case) and whose further words are labelled ``<delete>``. Noise teaches the model that a flagged
word is not always spun: some unsubstituted words are marked too (label: the word itself, a
copy), and some gold regions are widened by a neighbouring unsubstituted word (boundary jitter).
The decoder learns, per region, ``[CLS] <spun region> [unused2] <original> [SEP]``.
"""
from __future__ import annotations

import collections
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch

from repair import text as textutil
from repair.restore.seq2seq.decoding import DecoderIds, target_logprobs
from repair.restore.seq2seq.model import EncoderDecoder, Seq2SeqConfig
from repair.restore.seq2seq.windows import Window, WordPieceEncoder, encode_window, fits, pad_rows

# Label of a spun word that has no counterpart in the original (a region's second and later words).
DELETE = "<delete>"


@dataclass(frozen=True)
class LabeledWindow:
    """A sentence with marked regions (offsets into ``sentence``) and one label per marked word."""

    sentence: str
    regions: tuple[tuple[textutil.Token, ...], ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    """One encoded window with the decoder prompt (spun region) and target (original) of each region."""

    window: Window
    prompts: tuple[tuple[int, ...], ...]
    targets: tuple[tuple[int, ...], ...]


def normalise_label(text: str) -> str:
    """Targets are lower case with single spaces ("Last  Year" -> "last year")."""
    return " ".join(text.lower().split())


def sub_regions(spun: str, subs: Sequence[dict], tokens: Sequence[textutil.Token]) -> list[tuple[list[textutil.Token], list[str]]]:
    """Each substitution as (its spun words, their labels); the first word gets the original text."""
    regions = []
    for sub in sorted(subs, key=lambda s: s["spun_start"]):
        words = [t for t in tokens if textutil.overlaps(t.start, t.end, sub["spun_start"], sub["spun_end"])]
        if not words:
            continue  # the spinner deleted text: nothing flagged can bring it back
        # Widen the original to whole words when the substitution cut into a word.
        clean = spun[words[0].start : sub["spun_start"]] + sub["clean"] + spun[sub["spun_end"] : words[-1].end]
        label = normalise_label(clean)
        regions.append((words, [label or DELETE] + [DELETE] * (len(words) - 1)))
    return drop_shared_words(regions)


def drop_shared_words(regions):
    """Two substitutions inside one word cannot be labelled per word: drop both."""
    counts = collections.Counter(t.start for words, _ in regions for t in words)
    return [(w, l) for w, l in regions if all(counts[t.start] == 1 for t in w)]


def trainable_negative(token: textutil.Token) -> bool:
    """Unsubstituted words worth marking as copy examples (numbers and acronyms are never passed)."""
    letters = [c for c in token.text if c.isalpha()]
    return bool(letters) and not any(c.isdigit() for c in token.text) and not (len(letters) > 1 and token.text.isupper())


def row_windows(row: dict, rng: random.Random, config) -> list[LabeledWindow]:
    """Labelled windows of one row: gold regions plus copy noise, one window per sentence.

    Args:
        row: a dataset row.
        rng: draws the noise.
        config: its ``negative_rate`` (chance that an unsubstituted word is marked) and
            ``jitter_rate`` (chance that a gold region is widened), e.g. ``RestorerTrainConfig``.
    """
    spun = row["spun"]
    tokens = textutil.words(spun)
    gold = sub_regions(spun, row.get("subs") or [], tokens)
    in_gold = {t.start for words, _ in gold for t in words}
    windows = []
    for sentence in textutil.sentences(spun):
        inside = [t for t in tokens if sentence.start <= t.start and t.end <= sentence.end]
        regions = [r for r in gold if sentence.start <= r[0][0].start and r[0][-1].end <= sentence.end]
        regions = [jitter(r, inside, in_gold, rng, config.jitter_rate) for r in regions]
        used = {t.start for words, _ in regions for t in words}
        for token in inside:
            if token.start not in used and trainable_negative(token) and rng.random() < config.negative_rate:
                regions.append(([token], [token.text.lower()]))
        if regions:
            windows.append(localise(sentence, sorted(regions, key=lambda r: r[0][0].start)))
    return windows


def jitter(region, inside: Sequence[textutil.Token], in_gold: set[int], rng: random.Random, rate: float):
    """Sometimes widen a gold region by one unsubstituted neighbour (labelled as itself)."""
    words, labels = region
    if rng.random() >= rate:
        return region
    index = {t.start: i for i, t in enumerate(inside)}
    first, last = index[words[0].start], index[words[-1].start]
    if rng.random() < 0.5 and first > 0 and inside[first - 1].start not in in_gold:
        neighbour = inside[first - 1]
        return [neighbour, *words], [neighbour.text.lower(), *labels]
    if last + 1 < len(inside) and inside[last + 1].start not in in_gold:
        neighbour = inside[last + 1]
        return [*words, neighbour], [*labels, neighbour.text.lower()]
    return region


def localise(sentence: textutil.Segment, regions) -> LabeledWindow:
    """Shift region offsets from the paragraph to the sentence."""
    shifted = tuple(tuple(textutil.Token(t.start - sentence.start, t.end - sentence.start, t.text) for t in words) for words, _ in regions)
    labels = tuple(label for _, region_labels in regions for label in region_labels)
    return LabeledWindow(sentence.text, shifted, labels)


def training_windows(rows: Sequence[dict], config) -> list[LabeledWindow]:
    """Labelled windows of every row; each row's noise is drawn from its own seed (``config.seed`` and its id),
    so a row gives the same windows whatever else was sampled."""
    return [w for row in rows for w in row_windows(row, random.Random(f"{config.seed}:{row.get('id', '')}"), config)]


def region_targets(window: LabeledWindow) -> list[tuple[textutil.Token, textutil.Token, str]]:
    """(first word, last word, original text) per marked region of a labelled window.

    The original of a region is its word labels without ``<delete>``: a jittered neighbour keeps
    itself, a multi-word spin collapses to its original phrase, an over-flagged word copies itself.
    """
    result = []
    cursor = 0
    for region in window.regions:
        labels = window.labels[cursor : cursor + len(region)]
        cursor += len(region)
        result.append((region[0], region[-1], " ".join(l for l in labels if l != DELETE)))
    return result


def spinnable_words(rows: Iterable[dict]) -> frozenset[str]:
    """Lower-case words the spinner emitted (capitalised ones are not names)."""
    return frozenset(t.text.lower() for row in rows for sub in row.get("subs") or [] for t in textutil.words(sub["spun"]))


def phrase_pairs(rows: Iterable[dict]) -> dict[str, dict[str, float]]:
    """Counts of spun phrase -> original phrase (lower case) over the rows' substitutions."""
    pairs: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in rows:
        spun = row["spun"]
        for words, labels in sub_regions(spun, row.get("subs") or [], textutil.words(spun)):
            original = " ".join(l for l in labels if l != DELETE)
            if original:
                pairs[normalise_label(spun[words[0].start : words[-1].end])][original] += 1
    return {key: dict(counts) for key, counts in pairs.items()}


def encode_example(window: LabeledWindow, encoder: WordPieceEncoder, config: Seq2SeqConfig) -> Example | None:
    """The encoder window and decoder pieces of a labelled window; None when nothing of it fits."""
    encoded = encode_window(encoder, window.sentence, window.regions, config.max_tokens)
    if not fits(encoded, len(window.labels), config.max_tokens):
        return None
    regions = region_targets(window)
    prompts = encoder.encode_batch([normalise_label(window.sentence[a.start : b.end]) for a, b, _ in regions])
    targets = encoder.encode_batch([t for _, _, t in regions])
    kept = [(tuple(p), tuple(t)) for p, t in zip(prompts, targets) if 0 < len(p) <= config.max_prompt and 0 < len(t) <= config.max_target]
    return Example(encoded, tuple(p for p, _ in kept), tuple(t for _, t in kept)) if kept else None


def seq2seq_loss(model: EncoderDecoder, batch: Sequence[LabeledWindow], *, encoder: WordPieceEncoder, config: Seq2SeqConfig,
                 special: DecoderIds, device: torch.device) -> torch.Tensor | None:
    """Mean negative log-likelihood of the target pieces (and their closing [SEP]) of a batch of windows.

    The ``loss_fn`` of ``repair.train.loop.train`` (keywords bound); None when no window of the
    batch fits. Windows are encoded here, batch by batch: tokenising costs little next to a
    training step, and nothing has to be prepared or held in memory up front.
    """
    examples = [e for e in (encode_example(w, encoder, config) for w in batch) if e is not None]
    if not examples:
        return None
    ids, mask = pad_rows([e.window.ids for e in examples], encoder.ids.pad)
    ids, mask = ids.to(device), mask.to(device)
    memory = model.encode(ids, mask)
    owners = [i for i, e in enumerate(examples) for _ in e.prompts]
    prompts = [p for e in examples for p in e.prompts]
    targets = [t for e in examples for t in e.targets]
    return -torch.cat(target_logprobs(model, memory, mask, owners, prompts, targets, special)).mean()
