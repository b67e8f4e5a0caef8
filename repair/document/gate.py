"""A per-document gate: is this document worth reading with the heavy models at all?

A spinner rewrites a whole article with one substitution map, so a spun document carries two
signs that need no context to see: the common words spinners replace ("said", "year", "also")
are missing, and the words spinners put in their place are too frequent. Each word occurrence
gives a likelihood ratio between "spun at rate r" and "clean":

    ratio(w) = (p(w) * (1 - r * spinnable(w)) + r * emitted(w)) / p(w)

where p is the corpus unigram probability, ``spinnable`` says a spinner would replace the word,
and ``emitted`` is the probability mass spinners send to it (``scripts/build_gate.py``). Rare
words are common in clean news too, so evidence *for* spinning counts only where the word also
sits in a word pair the corpus never saw (a spinner's word in a fluent writer's context);
evidence against it always counts. The document's mean log-ratio per word is compared with a
threshold chosen so that at least 99% of lightly spun validation documents pass
(``scripts/measure_gate.py``). It reads unigram and bigram counts only: about 100,000 words per
second on 2 cores. Short documents say too little, and always pass: the paragraph detector
judges them as before.
"""
from __future__ import annotations

import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repair.errors import ModelNotFoundError
from repair.resources.ngram import BOS, NgramModel, normalize, tokenize

GATE_FILE = "gate.tsv.gz"
SETTINGS_FILE = "gate.json"


@dataclass(frozen=True)
class GateSettings:
    """How the gate weighs a document.

    Attributes:
        rate: spin rate of the "spun" hypothesis; low, so that lightly spun text still shows.
        clip: largest absolute log-ratio one occurrence can add.
        min_words: shorter documents always pass (document statistics say too little).
        threshold: log-ratio per document at or above which it passes to the detector.
    """

    rate: float = 0.1
    clip: float = 3.0
    min_words: int = 150
    threshold: float = 0.0


@dataclass(frozen=True)
class GateVerdict:
    """The gate's view of one document."""

    passed: bool
    score: float
    words: int
    reason: str


class DocumentGate:
    """Scores whole documents from unigram evidence (see the module docstring)."""

    def __init__(self, ngram: NgramModel, word_ratio: np.ndarray, settings: GateSettings = GateSettings()):
        self.ngram = ngram
        self.word_ratio = word_ratio
        self.settings = settings

    @classmethod
    def load(cls, root: Path, ngram: NgramModel, settings: GateSettings | None = None) -> "DocumentGate":
        """Read ``root/document/gate.tsv.gz`` (aligned with the n-gram vocabulary) and its fitted settings."""
        path = Path(root) / "document" / GATE_FILE
        if settings is None:
            fitted = Path(root) / "document" / SETTINGS_FILE
            settings = GateSettings(**json.loads(fitted.read_text(encoding="utf-8"))) if fitted.is_file() else GateSettings()
        if not path.is_file():
            raise ModelNotFoundError(f"document gate table not found: {path} (run scripts/build_gate.py)")
        spinnable = np.zeros(len(ngram.vocab))
        emitted = np.zeros(len(ngram.vocab))
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                word, flag, mass = line.rstrip("\n").split("\t")
                index = ngram.ids.get(word)
                if index is not None:
                    spinnable[index] = float(flag)
                    emitted[index] = float(mass)
        return cls(ngram, log_ratios(ngram.uni_prob, spinnable, emitted, settings), settings)

    def score(self, text: str) -> tuple[float, int]:
        """The document's mean log-likelihood ratio per word (spun vs clean) and its word count."""
        norms = [normalize(t.text) for t in tokenize(text)]
        is_word = np.fromiter((n[:1].isalnum() for n in norms), dtype=bool, count=len(norms))
        words = int(is_word.sum())
        if not words:
            return 0.0, 0
        ids = self.ngram.encode(norms)
        before = np.concatenate([[BOS], ids[:-1]])
        after = np.concatenate([ids[1:], [BOS]])
        odd_context = ~self.ngram.bigram_seen(before, ids) | ~self.ngram.bigram_seen(ids, after)
        ratios = self.word_ratio[ids] * is_word
        evidence = np.clip(ratios, 0.0, None) * odd_context + np.clip(ratios, None, 0.0)
        return float(evidence.sum() / words), words

    def judge(self, text: str) -> GateVerdict:
        """Pass the document to the detector, or let it through as clean."""
        score, words = self.score(text)
        if words < self.settings.min_words:
            return GateVerdict(True, score, words, f"short ({words} words): the paragraph detector decides")
        passed = score >= self.settings.threshold
        return GateVerdict(passed, score, words, "spinner profile" if passed else "clean profile")


def log_ratios(prob: np.ndarray, spinnable: np.ndarray, emitted: np.ndarray, settings: GateSettings) -> np.ndarray:
    """Per-word log-likelihood ratio of one occurrence, spun at ``settings.rate`` vs clean."""
    ratio = (prob * (1.0 - settings.rate * spinnable) + settings.rate * emitted) / prob
    values = np.clip(np.log(ratio), -settings.clip, settings.clip)
    values[0] = 0.0  # unknown words (id 0) carry no evidence either way
    return values


def choose_threshold(spun_scores: Sequence[float], recall: float = 0.99) -> float:
    """The highest threshold that still passes ``recall`` of the spun documents."""
    ordered = sorted(spun_scores)
    if not ordered:
        raise ValueError("no spun documents to choose a gate threshold from")
    return ordered[int(math.floor((1.0 - recall) * len(ordered)))]
