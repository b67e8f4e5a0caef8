"""Candidate originals as arrays, and the table of every corpus word's originals built once.

For each word or phrase of a text, the lexicon detector needs the words a spinner could have
replaced by it, as n-gram ids (``PhraseOriginals``). Working that out at run time means parsing
inverse-thesaurus lines, inflecting every lemma and filtering to the corpus vocabulary: about
two thirds of ``unspin detect`` on clean news, since a process meets mostly words it has not
looked up yet. ``scripts/build_originals.py`` therefore computes the answer for every word of
the n-gram vocabulary once, with the same code, into ``models/ngram/originals.npz``. Phrases of
several words, and words outside the vocabulary, are still looked up at run time.

The table records what it was computed from (``signature``: the thesaurus and vocabulary files,
the candidate settings). A scorer whose inputs differ does not read it, and warns when it is built.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ORIGINALS_FILE = "originals.npz"
# What a word's originals are computed from: the inverse index and the inflector (thesaurus
# folder), the vocabulary they are filtered to (n-gram folder).
SIGNATURE_FILES = ("thesaurus/thesaurus.tsv.gz", "thesaurus/inverse.tsv.gz", "thesaurus/morphology.tsv.gz", "ngram/vocab.txt")


@dataclass(frozen=True, eq=False)
class PhraseOriginals:
    """The candidate originals of one phrase as arrays (memoised per phrase by the scorer).

    ``ids`` holds each original's token ids padded with -1; ``log_freq`` the sum of their
    log unigram probabilities.
    """

    replacements: tuple[str, ...]
    priors: np.ndarray
    ids: np.ndarray
    lengths: np.ndarray
    log_freq: np.ndarray


def row_log_freq(matrix: np.ndarray, log_uni: np.ndarray) -> np.ndarray:
    """Each row's summed log unigram probabilities, left to right (padding -1 adds nothing)."""
    return np.cumsum(np.where(matrix >= 0, log_uni[np.maximum(matrix, 0)], 0.0), axis=1)[:, -1]


def phrase_originals(kept: Sequence[tuple[str, float, Sequence[int]]], log_uni: np.ndarray) -> PhraseOriginals | None:
    """(replacement, prior, token ids) rows as ``PhraseOriginals``; None when there are none."""
    if not kept:
        return None
    width = max(len(ids) for _, _, ids in kept)
    matrix = np.full((len(kept), width), -1, dtype=np.int64)
    for row, (_, _, ids) in enumerate(kept):
        matrix[row, : len(ids)] = ids
    lengths = np.array([len(ids) for _, _, ids in kept])
    return PhraseOriginals(tuple(r for r, _, _ in kept), np.array([p for _, p, _ in kept]), matrix, lengths,
                           row_log_freq(matrix, log_uni))


def signature(models: Path, settings: dict) -> str:
    """SHA-256 of the files a word's originals come from and of the candidate settings."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode("utf-8"))
    for name in SIGNATURE_FILES:
        path = Path(models) / name
        digest.update(name.encode("utf-8"))
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"missing")
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class OriginalsTable:
    """Each vocabulary word's originals, flattened.

    Word id ``w`` owns rows ``word_rows[w]:word_rows[w + 1]``; row ``r`` is prior ``priors[r]``
    and token ids ``ids[id_rows[r]:id_rows[r + 1]]``.
    """

    signature: str
    word_rows: np.ndarray
    priors: np.ndarray
    id_rows: np.ndarray
    ids: np.ndarray

    def originals(self, word_id: int, vocab: Sequence[str], log_uni: np.ndarray) -> PhraseOriginals | None:
        """Word ``word_id``'s originals as ``PhraseOriginals`` (texts from ``vocab``); None when it has none."""
        first, last = int(self.word_rows[word_id]), int(self.word_rows[word_id + 1])
        if first == last:
            return None
        starts = self.id_rows[first:last]
        lengths = self.id_rows[first + 1: last + 1] - starts
        columns = np.arange(int(lengths.max()))
        inside = columns[None, :] < lengths[:, None]
        matrix = np.where(inside, self.ids[np.where(inside, starts[:, None] + columns, 0)], -1).astype(np.int64)
        texts = tuple(" ".join(vocab[i] for i in row[:n]) for row, n in zip(matrix.tolist(), lengths.tolist()))
        return PhraseOriginals(texts, self.priors[first:last], matrix, lengths, row_log_freq(matrix, log_uni))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, signature=np.array(self.signature), word_rows=self.word_rows, priors=self.priors,
                            id_rows=self.id_rows, ids=self.ids)

    @classmethod
    def load(cls, path: Path) -> "OriginalsTable":
        with np.load(path) as arrays:
            return cls(str(arrays["signature"]), arrays["word_rows"], arrays["priors"], arrays["id_rows"], arrays["ids"])


def build_table(vocabulary_size: int, originals_of: Callable[[int], Iterable[tuple[float, Sequence[int]]]],
                signature: str) -> OriginalsTable:
    """The table of ``originals_of(word id)`` (prior, token ids) rows for every word id."""
    word_rows, priors, id_rows, ids = [0], [], [0], []
    for word_id in range(vocabulary_size):
        for prior, token_ids in originals_of(word_id):
            priors.append(prior)
            ids.extend(token_ids)
            id_rows.append(len(ids))
        word_rows.append(len(priors))
    return OriginalsTable(signature, np.array(word_rows, dtype=np.int64), np.array(priors, dtype=np.float64),
                          np.array(id_rows, dtype=np.int64), np.array(ids, dtype=np.int32))


def read_table(models: Path, settings: dict) -> OriginalsTable | None:
    """The shipped originals table if it was computed from these models and settings, else None.

    A missing table is not an error (the scorer looks every word up); a stale one is ignored
    with a warning, since it would give other candidates than the models in use.
    """
    path = Path(models) / "ngram" / ORIGINALS_FILE
    if not path.is_file():
        return None
    table = OriginalsTable.load(path)
    if table.signature != signature(models, settings):
        warnings.warn(f"{path} was computed from other thesaurus or vocabulary files or settings; ignored "
                      "(rebuild it: python scripts/build_originals.py)", stacklevel=2)
        return None
    return table
