"""The trained word tagger: a small transformer tags each word of a paragraph as original or substituted.

Encoding is unit by unit: a paragraph is cut into words (``repair.text.WORD_RE``) and single
punctuation characters, and each unit is encoded by the WordPiece tokenizer on its own. Every
piece therefore belongs to exactly one unit, so word probabilities map back to exact character
offsets without any offset bookkeeping inside the tokenizer.

A word's probability is the sigmoid of the mean logit of its pieces. The passage score is a
logistic regression over summary features of the word probabilities, fitted on validation data
(``repair.detect.config.PassageCalibrator``), so it reads as a probability.

The model is all-MiniLM-L6-v2 with a one-logit token head. Its folder (``models/detector``)
holds ``config.json`` (``TaggerConfig``, model_type "unspin-tagger") and the trained tensors in
the shared weights layout (``repair.modeling.weights``); the frozen lower layers are read from
the base's package (``repair.modeling.pretrained``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from repair.detect.config import TaggerConfig, TaggerSettings
from repair.modeling.config import ConfigError, read_config
from repair.modeling.pretrained import minilm_folder
from repair.modeling.weights import load_into, load_weights, save_weights
from repair.resources.shared import Resources
from repair.results import DetectionReport, Span
from repair.text import WORD_RE

# The shipped tagger's folder under the models root; the fused and cascade detectors read it too.
DETECTOR_FOLDER = "detector"
# A unit is a word (group "w", the same pattern as repair.text.WORD_RE) or one other non-space character.
UNIT_RE = re.compile(f"(?P<w>{WORD_RE.pattern})|[^\\w\\s]|_", re.UNICODE)
# The BertConfig arguments read from the MiniLM package's config (the rest keep BERT's defaults).
MINILM_ARCHITECTURE = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                       "max_position_embeddings", "type_vocab_size", "pad_token_id")


@dataclass(frozen=True)
class Unit:
    """A word or a punctuation character of a paragraph, with offsets into it."""

    start: int
    end: int
    text: str
    is_word: bool


@dataclass(frozen=True)
class Encoded:
    """One window of a paragraph ready for the model.

    ``ids`` starts with the begin id and ends with the end id; ``piece_word[i]`` is the index
    (into ``words``) of the word that piece ``i`` belongs to, or -1 for specials and punctuation.
    """

    ids: tuple[int, ...]
    piece_word: tuple[int, ...]
    words: tuple[Unit, ...]


@dataclass(frozen=True)
class PieceCodec:
    """What the tagger needs from a tokenizer: encode many units at once, and its special ids."""

    encode_units: Callable[[list[str]], list[list[int]]]
    begin_id: int
    end_id: int
    pad_id: int


def units(text: str) -> list[Unit]:
    """Words and punctuation characters of ``text`` with offsets; whitespace is dropped."""
    return [Unit(m.start(), m.end(), m.group(), m.lastgroup == "w") for m in UNIT_RE.finditer(text)]


def encode_paragraphs(paragraphs: Sequence[str], codec: PieceCodec, max_pieces: int) -> list[list[Encoded]]:
    """Encode paragraphs into windows of at most ``max_pieces`` pieces, cut at unit boundaries.

    All units of all paragraphs go through the tokenizer in one batch call (fast path).
    """
    per_paragraph = [units(p) for p in paragraphs]
    flat = [u.text for us in per_paragraph for u in us]
    pieces = iter(codec.encode_units(flat)) if flat else iter(())
    return [_windows(us, [next(pieces) for _ in us], codec, max_pieces) for us in per_paragraph]


def _windows(us: list[Unit], unit_ids: list[list[int]], codec: PieceCodec, max_pieces: int) -> list[Encoded]:
    windows: list[Encoded] = []
    ids: list[int] = [codec.begin_id]
    piece_word: list[int] = [-1]
    words: list[Unit] = []
    for unit, uid in zip(us, unit_ids):
        uid = uid[: max_pieces - 2]  # one pathological unit must not overflow a window
        if len(ids) + len(uid) + 1 > max_pieces and words:
            windows.append(Encoded(tuple(ids + [codec.end_id]), tuple(piece_word + [-1]), tuple(words)))
            ids, piece_word, words = [codec.begin_id], [-1], []
        index = len(words) if unit.is_word else -1
        if unit.is_word:
            words.append(unit)
        ids.extend(uid)
        piece_word.extend([index] * len(uid))
    if words or not windows:
        windows.append(Encoded(tuple(ids + [codec.end_id]), tuple(piece_word + [-1]), tuple(words)))
    return windows


def pad_batch(batch: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and attention mask for a batch of windows."""
    length = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    for row, encoded in enumerate(batch):
        ids[row, : len(encoded.ids)] = torch.tensor(encoded.ids)
        mask[row, : len(encoded.ids)] = 1
    return ids, mask


def word_logits(piece_logits: torch.Tensor, batch: Sequence[Encoded]) -> list[np.ndarray]:
    """Mean piece logit per word, for each window of the batch."""
    out = []
    for row, encoded in enumerate(batch):
        n_words = len(encoded.words)
        index = torch.tensor(encoded.piece_word)
        keep = index >= 0
        sums = torch.zeros(n_words).index_add_(0, index[keep], piece_logits[row, : len(index)][keep])
        counts = torch.zeros(n_words).index_add_(0, index[keep], torch.ones(int(keep.sum())))
        # A word the tokenizer gave no piece (WordPiece drops some symbols) counts as original.
        out.append(torch.where(counts > 0, sums / counts.clamp(min=1), torch.full_like(sums, -10.0)).numpy())
    return out


def length_batches(lengths: Sequence[int], batch_pieces: int) -> list[list[int]]:
    """Indices grouped by similar length so that padded size stays under ``batch_pieces``."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and lengths[i] * (len(current) + 1) > batch_pieces:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def flagged_spans(paragraph: str, words: Sequence[Unit], probs: np.ndarray, threshold: float, groups: Sequence[int] | None = None) -> list[Span]:
    """Runs of adjacent flagged words become one span (``Chinese language`` for ``Chinese``).

    ``groups`` (one id per word), when given, also ends a run where the id changes: the fused
    detector keeps each lexicon phrase whole and every other word apart, because a span is one
    region for the restorer, and two adjacent substitutions rewritten as one phrase come back
    as one wrong word ("alleviation, aiding" -> "all").
    """
    spans: list[Span] = []
    run: list[int] = []
    for i in range(len(words) + 1):
        if i < len(words) and probs[i] >= threshold and (not run or groups is None or groups[i] == groups[run[-1]]):
            run.append(i)
            continue
        if run:
            start, end = words[run[0]].start, words[run[-1]].end
            score = float(max(probs[j] for j in run))
            reason = f"tagger: substituted-word probability {score:.2f} in context"
            spans.append(Span(start, end, paragraph[start:end], round(score, 4), reason))
            run = [i] if i < len(words) and probs[i] >= threshold else []
    return spans


def fast_bf16() -> bool:
    """True when the CPU does bf16 math natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class Tagger:
    """A token-classification model plus its codec and settings; scores paragraphs (detector kind "tagger").

    Args:
        model: token classifier with one output logit per piece.
        codec: tokenizer adapter the model was trained with.
        settings: thresholds, window size, calibrator.
        bf16: run matmuls in bfloat16 (about twice as fast on CPUs with native bf16, and what
            training used); None decides from the CPU.
    """

    def __init__(self, model: torch.nn.Module, codec: PieceCodec, settings: TaggerSettings = TaggerSettings(), bf16: bool | None = None):
        self.model = model.eval()
        self.codec = codec
        self.settings = settings
        self.bf16 = fast_bf16() if bf16 is None else bf16

    @classmethod
    def from_pretrained(cls, folder: Path, *, bf16: bool | None = None) -> "Tagger":
        """Load a tagger folder (``save_tagger``); weights are upcast to fp32 for CPU speed.

        Raises:
            repair.errors.ModelNotFoundError: no config or weights in ``folder``, or weights
                that do not fit the config.
        """
        config = TaggerConfig.from_pretrained(folder)
        check_base(config)
        model = minilm_model()
        load_into(model, folder, frozen=config.frozen)
        return cls(model, minilm_codec(), config.settings, bf16=bf16)

    def word_probs(self, paragraphs: Sequence[str]) -> list[tuple[list[Unit], np.ndarray]]:
        """Words and their substituted-probabilities for every paragraph, batched by length."""
        encoded = encode_paragraphs(paragraphs, self.codec, self.settings.max_pieces)
        flat = [(p, w) for p, windows in enumerate(encoded) for w in windows]
        logits: list[np.ndarray | None] = [None] * len(flat)
        lengths = [len(w.ids) for _, w in flat]
        device = next(self.model.parameters()).device
        with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.bf16):
            for batch_index in length_batches(lengths, self.settings.batch_pieces):
                batch = [flat[i][1] for i in batch_index]
                ids, mask = pad_batch(batch, self.codec.pad_id)
                out = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits[..., 0].float().cpu()
                for i, values in zip(batch_index, word_logits(out, batch)):
                    logits[i] = values
        results: list[tuple[list[Unit], list[np.ndarray]]] = [([], []) for _ in paragraphs]
        for (p, window), values in zip(flat, logits):
            results[p][0].extend(window.words)
            results[p][1].append(values)
        return [(ws, 1.0 / (1.0 + np.exp(-np.concatenate(vs)))) for ws, vs in results]

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        """One report per paragraph: calibrated passage score and flagged word spans."""
        settings = self.settings
        reports = []
        for paragraph, (words, probs) in zip(paragraphs, self.word_probs(paragraphs)):
            score = settings.calibrator.score(probs) if len(words) else 0.0
            spans = flagged_spans(paragraph, words, probs, settings.word_threshold)
            reports.append(
                DetectionReport(
                    score=round(score, 6),
                    spun=score >= settings.passage_threshold,
                    spans=tuple(spans),
                    threshold=settings.passage_threshold,
                    words=len(words),
                )
            )
        return reports


def wordpiece_codec(hf_tokenizer) -> PieceCodec:
    """Codec over a Hugging Face WordPiece tokenizer."""

    def encode_units(texts: list[str]) -> list[list[int]]:
        encoded = hf_tokenizer(texts, add_special_tokens=False, return_attention_mask=False, return_token_type_ids=False)
        return encoded["input_ids"]

    return PieceCodec(encode_units, hf_tokenizer.cls_token_id, hf_tokenizer.sep_token_id, hf_tokenizer.pad_token_id)


def minilm_codec() -> PieceCodec:
    """The MiniLM base's own WordPiece tokenizer, read from its package."""
    from transformers import AutoTokenizer

    return wordpiece_codec(AutoTokenizer.from_pretrained(str(minilm_folder())))


def build_model(architecture: dict) -> torch.nn.Module:
    """A BERT token classifier with one output (substituted-logit), randomly initialised."""
    from transformers import BertConfig, BertForTokenClassification

    return BertForTokenClassification(BertConfig(**architecture, num_labels=1))


def minilm_architecture() -> dict:
    """The MiniLM base's architecture as ``build_model`` takes it (what ``TaggerConfig.model`` records)."""
    config = read_config(minilm_folder())
    return {k: config[k] for k in MINILM_ARCHITECTURE}


def minilm_model() -> torch.nn.Module:
    """MiniLM encoder with a fresh one-logit head; weights read straight from the package."""
    model = build_model(minilm_architecture())
    state = {k: v for k, v in load_weights(minilm_folder()).items() if not k.startswith("pooler.")}
    model.bert.load_state_dict(state, strict=False)
    return model


def check_base(config: TaggerConfig) -> None:
    """Raise ``ConfigError`` unless the folder was fine-tuned from a base this module can build."""
    if config.base != "minilm":
        raise ConfigError(f"unknown tagger base {config.base!r}; choose from ['minilm']")


def save_tagger(model: torch.nn.Module, folder: Path, config: TaggerConfig) -> None:
    """Write a tagger folder: the trained tensors (fp16, ``repair.modeling.weights``) and ``config.json``.

    Parameters under a ``config.frozen`` prefix were not trained (MiniLM's embeddings and lower
    layers); they are left out and read from the base's package at load time.
    """
    state = model.state_dict()
    save_weights(state, folder, names=[k for k in state if not k.startswith(config.frozen)])
    config.save_pretrained(folder)


def load_tagger(resources: Resources) -> Tagger:
    """The shipped tagger (``models/detector``); registered as the "tagger" detector kind."""
    return Tagger.from_pretrained(resources.root / DETECTOR_FOLDER)
