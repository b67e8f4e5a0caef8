"""Detector training data and loss: word labels, encoded windows, the MiniLM tagger to train.

Every word of a row's ``spun`` text that overlaps a substitution is labelled 1, all others 0;
clean rows (rate 0) are all 0. A window's pieces carry their word's label; specials and
punctuation carry -100 and do not count in the loss.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from repair.detect.tagger import Encoded, PieceCodec, encode_paragraphs, minilm_architecture, minilm_model, pad_batch
from repair.synth.data import article_of
from repair.text import overlaps
from repair.train.rows import sample_rows

IGNORE = -100


@dataclass(frozen=True)
class Example:
    """One encoded window with a label per piece (``IGNORE`` for specials and punctuation)."""

    encoded: Encoded
    labels: tuple[int, ...]


def word_labels(text: str, words, subs: Sequence[dict]) -> list[int]:
    """1 for every word that overlaps a substitution's spun span, else 0."""
    spans = [(s["spun_start"], s["spun_end"]) for s in subs if s["spun_end"] > s["spun_start"]]
    return [int(any(overlaps(w.start, w.end, start, end) for start, end in spans)) for w in words]


def encode_rows(rows: Sequence[dict], codec: PieceCodec, max_pieces: int, chunk: int = 2000) -> list[Example]:
    """Encode rows (``spun`` + ``subs``) into labelled windows, ``chunk`` rows at a time (bounded memory)."""
    examples = []
    for lo in range(0, len(rows), chunk):
        part = rows[lo : lo + chunk]
        for row, windows in zip(part, encode_paragraphs([r["spun"] for r in part], codec, max_pieces)):
            for window in windows:
                labels = word_labels(row["spun"], window.words, row["subs"])
                examples.append(Example(window, tuple(labels[i] if i >= 0 else IGNORE for i in window.piece_word)))
    return examples


def with_clean_copies(rows: Sequence[dict], limit: int, seed: int) -> list[dict]:
    """``rows`` plus the clean originals of up to ``limit`` spun rows, as rate-0 rows.

    Only a fifth of the dataset is clean; the copies give the word threshold and the passage
    calibrator clean text from the very same articles, and (grouped by article, see
    ``repair.train.detector_fit.passage_examples``) clean article-length passages.
    """
    spun = [r for r in rows if r["subs"]]
    copies = [
        {"id": f"{article_of(r)}~clean#{i}", "spun": r["clean"], "clean": r["clean"], "subs": [], "rate": 0.0, "noise": "none"}
        for i, r in enumerate(sample_rows(spun, limit, seed))
    ]
    return [*rows, *copies]


def frozen_prefixes(frozen_layers: int) -> tuple[str, ...]:
    """MiniLM parameters left as pretrained: embeddings and the lowest ``frozen_layers`` layers.

    Freezing saves backward time on a CPU and keeps the shipped weights small (frozen ones are
    read from the package).
    """
    return ("bert.embeddings.",) + tuple(f"bert.encoder.layer.{i}." for i in range(frozen_layers))


def initial_model(frozen_layers: int) -> tuple[torch.nn.Module, dict]:
    """MiniLM with a new one-logit head, its lowest layers frozen; and its architecture (``TaggerConfig.model``)."""
    model = minilm_model()
    frozen = frozen_prefixes(frozen_layers)
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(not name.startswith(frozen))
    return model, minilm_architecture()


def batch_tensors(batch: Sequence[Example], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded ids, attention mask and piece labels of a batch, on ``device``."""
    ids, mask = pad_batch([e.encoded for e in batch], pad_id)
    labels = torch.full(ids.shape, IGNORE, dtype=torch.long)
    for row, example in enumerate(batch):
        labels[row, : len(example.labels)] = torch.tensor(example.labels)
    return ids.to(device), mask.to(device), labels.to(device)


def masked_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy over the pieces that carry a label."""
    keep = labels != IGNORE
    return torch.nn.functional.binary_cross_entropy_with_logits(logits[keep], labels[keep].float())


def tagger_loss(model: torch.nn.Module, batch: Sequence[Example], *, pad_id: int, device: torch.device, bf16: bool) -> torch.Tensor:
    """The training loss of one batch (``loss_fn`` of ``repair.train.loop.train``, with the keywords bound)."""
    ids, mask, labels = batch_tensors(batch, pad_id, device)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        logits = model(input_ids=ids, attention_mask=mask).logits[..., 0]
    return masked_bce(logits.float(), labels)
