"""Decide a spun document's substitution map per word type, with evidence from the whole document.

The restorer proposes an original for each flagged occurrence, and judged alone most of those
proposals fall below the edit threshold. Pooling them naively failed: the model repeats its
mistakes across a document as consistently as its right answers (``scripts/tune_document_pooling.py``).
Word counts are evidence the model's mistakes do not share. A spinner that maps "said" to
"mentioned" everywhere leaves a news article with "mentioned" far more often than news uses it
and "said" never, where a news article that size says "said" about 17 times. For a proposed map
entry ``old -> new`` the document's counts give two log-likelihood ratios under Poisson counts,
"new was spun into old throughout" against "clean":

    excess  = log P(count(old) | N (p_old + p_new)) - log P(count(old) | N p_old)
    absence = log P(count(new) | N p_new * LEFT)   - log P(count(new) | N p_new)

with N the document's tokens, p the corpus unigram (or phrase) probabilities and LEFT the share of
``new`` a one-map spinner leaves behind. ``MapDecider`` combines them with what the restorer
said (its best and mean calibrated confidence, how many occurrences it proposed ``new`` at, and
how many rival originals it proposed) in a logistic model fitted on whole validation articles
spun with one map (``scripts/fit_map_decider.py``). Its output is the probability that an
occurrence of ``old`` restored as ``new`` is right. An entry at or above the fitted threshold is
applied to every occurrence of ``old`` that no kept edit covers and where the corpus trigrams
prefer ``new`` in that place by the fitted margin (source ``document``); documents shorter than
the fitted articles keep their per-occurrence decisions. ``models/document/MODEL_CARD.md`` has
its training data and measurements.

The default decider (``LM_DECIDER_FILES``, ``LM_FEATURES``) also reads the pretrained language
model: for each entry, how much more likely the new wording is than the spun one in two of its
places (``repair.document.lm_margin``). Counts say a spinner put ``old`` there; the LM says a
fluent writer would have put ``new``. It is read only when a spun document's map is decided.
"""
from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from repair.document.apply import apply_map, occurrence_pattern
from repair.document.lm_margin import EntryMargin, entry_margins
from repair.errors import ModelNotFoundError
from repair.resources.ngram import NgramModel, tokenize
from repair.results import Edit, MapEntry
from repair.text import count_words

if TYPE_CHECKING:  # importing repair.lm imports torch: `unspin --help` must not pay for it
    from repair.lm.lazy import LazyLanguageModel

# Restorer kind -> its fitted decider (it reads that kind's calibrated confidences); a kind
# missing here decides each occurrence alone.
DECIDER_FILES = {"seq2seq": "map_decider.json"}
# The same, fitted with the pretrained LM's margins too (``repair.document.lm_margin``).
LM_DECIDER_FILES = {"seq2seq": "map_decider_lm.json"}
MODEL_TYPE = "unspin-map-decider"
# The share of a word's expected count that a one-map spinner leaves in place (a little, not
# none: a spinner skips some occurrences, and a word can enter through another substitution).
LEFT = 0.05
# Entries decided from the restorer's own proposals only: sources that judged each occurrence.
PROPOSAL_SOURCES = frozenset({"model", "lexicon"})
FEATURES = ("best_confidence", "mean_confidence", "proposals", "occurrences", "proposed_share", "rivals",
            "excess", "absence", "expected_new", "expected_old", "new_present")
LM_FEATURES = (*FEATURES, "lm_margin_mean", "lm_margin_smallest")


def context_preference(ngram: NgramModel, text: str, start: int, end: int, new: str, window: int = 200) -> float:
    """How much more the corpus trigrams like ``new`` than what stands at ``text[start:end]``,
    in that place (log-probability of the fill and the two tokens after it; nats)."""
    left = max(0, start - window)
    local = text[left : end + window]
    fills = ngram.fill_logprobs(local, start - left, end - left, [new, text[start:end]])
    return fills[0] - fills[1]


def poisson_logpmf(count: int, mean: float) -> float:
    mean = max(mean, 1e-6)
    return count * math.log(mean) - mean - math.lgamma(count + 1)


def logit(p: float) -> float:
    p = min(max(p, 1e-3), 1.0 - 1e-3)
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class CountEvidence:
    """What the document's counts say about ``old -> new`` (see the module docstring)."""

    excess: float
    absence: float
    expected_old: float
    expected_new: float
    count_old: int
    count_new: int


def phrase_probability(ngram: NgramModel, phrase: str) -> float | None:
    """Corpus probability of a 1-3 token phrase (None for longer ones: no counts kept)."""
    norms = [t.norm for t in tokenize(phrase)]
    if not 1 <= len(norms) <= 3:
        return None
    return max(ngram.count(norms), 0.5) / float(ngram.meta["tokens"])


def count_evidence(text: str, tokens: int, old: str, new: str, ngram: NgramModel) -> CountEvidence | None:
    """Poisson evidence from the document's counts of ``old`` and ``new``; None without counts."""
    p_old, p_new = phrase_probability(ngram, old), phrase_probability(ngram, new)
    if p_old is None or p_new is None:
        return None
    count_old = len(occurrence_pattern(old).findall(text))
    count_new = len(occurrence_pattern(new).findall(text))
    expected_old, expected_new = tokens * p_old, tokens * p_new
    excess = poisson_logpmf(count_old, expected_old + expected_new) - poisson_logpmf(count_old, expected_old)
    absence = poisson_logpmf(count_new, expected_new * LEFT) - poisson_logpmf(count_new, expected_new)
    return CountEvidence(excess, absence, expected_old, expected_new, count_old, count_new)


@dataclass(frozen=True)
class EntryFeatures:
    """One proposed map entry of one document and the numbers the decider reads."""

    old: str
    new: str
    occurrences: int
    values: tuple[float, ...]


def entry_features(text: str, proposals: Sequence[Edit], ngram: NgramModel) -> list[EntryFeatures]:
    """Features of every (old, new) pair the restorers proposed in ``text`` (calibrated edits).

    Pairs whose wording is longer than three tokens, or that occur nowhere as whole words, are
    left out: the counts say nothing about them.
    """
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for edit in proposals:
        if edit.source in PROPOSAL_SOURCES and edit.old.strip() and edit.new.strip():
            groups[(edit.old.lower(), edit.new.lower())].append(edit.confidence)
    rivals: dict[str, int] = defaultdict(int)
    for old, _ in groups:
        rivals[old] += 1
    tokens = len(tokenize(text))
    features = []
    for (old, new), confidences in sorted(groups.items()):
        evidence = count_evidence(text, tokens, old, new, ngram)
        if evidence is None or evidence.count_old == 0:
            continue
        occurrences = evidence.count_old
        values = (
            logit(max(confidences)),
            logit(sum(confidences) / len(confidences)),
            math.log(len(confidences)),
            math.log(occurrences),
            min(len(confidences) / occurrences, 1.0),
            math.log(rivals[old]),
            min(max(evidence.excess, -10.0), 30.0) / 10.0,
            min(max(evidence.absence, -10.0), 10.0) / 5.0,
            math.log(evidence.expected_new + 1e-3),
            math.log(evidence.expected_old + 1e-3),
            float(evidence.count_new > 0),
        )
        features.append(EntryFeatures(old, new, occurrences, values))
    return features


def margin_values(margin: EntryMargin | None) -> tuple[float, float]:
    """The LM inputs of an entry (``LM_FEATURES``'s last two), in tens of nats; 0 where unread."""
    if margin is None:
        return (0.0, 0.0)
    return (margin.mean / 10.0, margin.smallest / 10.0)


@dataclass(frozen=True)
class MapDeciderConfig:
    """The fitted decider (Hugging Face style: a config with a ``model_type`` is the whole model).

    Attributes:
        features: names of the inputs, in order (``FEATURES`` when fitted).
        weights: logistic weights, one per feature, on standardised inputs.
        mean, scale: standardisation of each input.
        bias: logistic intercept.
        threshold: probability at or above which an entry is applied to every occurrence.
        min_preference: an occurrence is restored only where the corpus trigrams like the new
            wording at least this much more than the old (``context_preference``, nats): a word
            the spinner brought in can also stand in the article in its own right ("under the
            law" where "under" replaced "less than" elsewhere). None restores every occurrence.
        min_words: shorter documents are left to the per-occurrence decisions: it was fitted on
            articles of at least this many words, and in a short text the counts say little.
        meta: how it was fitted (articles, seeds, cross-fitted precision), for people.
    """

    features: tuple[str, ...]
    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    bias: float
    threshold: float
    min_preference: float | None = None
    min_words: int = 150
    meta: dict = field(default_factory=dict, compare=False)
    model_type: str = MODEL_TYPE

    def to_dict(self) -> dict:
        return {"model_type": self.model_type, "features": list(self.features), "weights": list(self.weights),
                "mean": list(self.mean), "scale": list(self.scale), "bias": self.bias,
                "threshold": self.threshold, "min_preference": self.min_preference,
                "min_words": self.min_words, "meta": self.meta}


class MapDecider:
    """Probability that a document's proposed map entry is right, from counts and proposals (and,
    fitted with ``LM_FEATURES``, the LM's margins)."""

    def __init__(self, config: MapDeciderConfig, ngram: NgramModel, lm: LazyLanguageModel | None = None):
        """``lm`` is read only by a decider fitted with the LM's margins (``LM_FEATURES``), and
        only when a spun document's map is decided: clean text never loads it."""
        if tuple(config.features) not in (FEATURES, LM_FEATURES):
            raise ValueError(f"map decider was fitted on features {list(config.features)}, this code computes {list(FEATURES)} "
                             f"(or with the LM, {list(LM_FEATURES)}): refit it")
        if not len(config.weights) == len(config.mean) == len(config.scale) == len(config.features):
            raise ValueError(f"map decider has {len(config.weights)} weights for {len(config.features)} features: refit it")
        self.config = config
        self.ngram = ngram
        self.lm = lm
        self._weights = np.asarray(config.weights) / np.asarray(config.scale)
        self._bias = config.bias - float(np.dot(self._weights, np.asarray(config.mean)))

    @property
    def threshold(self) -> float:
        return self.config.threshold

    @property
    def reads_lm(self) -> bool:
        return tuple(self.config.features) == LM_FEATURES

    def save_pretrained(self, folder: Path, kind: str = "seq2seq") -> Path:
        path = Path(folder) / (LM_DECIDER_FILES if self.reads_lm else DECIDER_FILES)[kind]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.config.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_pretrained(cls, folder: Path, ngram: NgramModel, kind: str = "seq2seq",
                        lm: LazyLanguageModel | None = None) -> "MapDecider | None":
        """The decider fitted for restorer ``kind`` under ``folder`` (``models/document``); None
        for a kind that has none (``lexicon``: no calibrated proposals to read). With ``lm``,
        the one fitted with the LM's margins.

        Raises:
            ModelNotFoundError: the kind has a decider file name but the file is missing.
            ValueError: the file is not a map decider.
        """
        name = (LM_DECIDER_FILES if lm is not None else DECIDER_FILES).get(kind)
        if name is None:
            return None
        path = Path(folder) / name
        if not path.is_file():
            raise ModelNotFoundError(f"map decider not found: {path} (run scripts/fit_map_decider.py)")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("model_type") != MODEL_TYPE:
            raise ValueError(f"{path}: not a map decider (model_type {data.get('model_type')!r})")
        config = MapDeciderConfig(features=tuple(data["features"]), weights=tuple(data["weights"]),
                                  mean=tuple(data["mean"]), scale=tuple(data["scale"]), bias=float(data["bias"]),
                                  threshold=float(data["threshold"]), min_preference=data.get("min_preference"),
                                  min_words=int(data.get("min_words", 150)), meta=data.get("meta", {}))
        return cls(config, ngram, lm)

    def probabilities(self, features: Sequence[EntryFeatures]) -> list[float]:
        if not features:
            return []
        values = np.array([f.values for f in features], dtype=np.float64)
        return (1.0 / (1.0 + np.exp(-(values @ self._weights + self._bias)))).round(4).tolist()

    def decide(self, text: str, proposals: Sequence[Edit]) -> list[MapEntry]:
        """The entries to apply throughout ``text``: at or above the threshold, one original per
        spun word and one spun word per original (a one-map spinner's map is one to one; a
        missing "said" is evidence for one of the words proposed for it, not for all of them:
        ``choose_entries``)."""
        if count_words(text) < self.config.min_words:
            return []
        features = entry_features(text, proposals, self.ngram)
        if self.reads_lm and features:
            features = self._with_lm_margins(text, features)
        return choose_entries(list(zip(self.probabilities(features), features)), self.threshold)

    def _with_lm_margins(self, text: str, features: Sequence[EntryFeatures]) -> list[EntryFeatures]:
        """``features`` with the LM's margins over each entry's places appended (one LM batch)."""
        if self.lm is None:
            raise ValueError("this map decider reads the language model's margins: build it with lm")
        tick = time.perf_counter()
        margins = entry_margins(self.lm.get(), text, [(f.old, f.new) for f in features])
        self.lm.seconds += time.perf_counter() - tick
        return [EntryFeatures(f.old, f.new, f.occurrences, (*f.values, *margin_values(m))) for f, m in zip(features, margins)]

    def edits(self, text: str, proposals: Sequence[Edit], taken: Sequence[Edit]) -> list[Edit]:
        """Edits (source ``document``) for the decided entries' occurrences that no edit in
        ``taken`` covers and where the new wording fits the context (``min_preference``)."""
        added = apply_map(text, self.decide(text, proposals), taken)
        if self.config.min_preference is None:
            return added
        return [e for e in added if context_preference(self.ngram, text, e.start, e.end, e.new) >= self.config.min_preference]


def choose_entries(scored: Sequence[tuple[float, EntryFeatures]], threshold: float) -> list[MapEntry]:
    """Entries at or above ``threshold``, keeping the map one to one.

    Where two entries claim the same word (two originals for one spun word, or two spun words for
    one original), the one expected to restore more occurrences right wins: probability times
    occurrences. A missing "said" is explained by the word that replaced it 14 times, not by one
    that stands twice. On validation this order and plain probability order restored about the
    same (724 and 728 right additions, rate-0.3 spins): a one-map synthetic spinner rarely makes
    such a conflict.
    """
    chosen: list[MapEntry] = []
    for probability, entry in sorted(scored, key=lambda pair: -pair[0] * pair[1].occurrences):
        if probability < threshold:
            continue
        if any(c.old == entry.old or c.new == entry.new for c in chosen):
            continue
        chosen.append(MapEntry(entry.old, entry.new, entry.occurrences, probability))
    return sorted(chosen, key=lambda e: (-e.count, -e.confidence, e.old))
