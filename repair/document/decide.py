"""Decide a spun document's substitution map per word type, with evidence from the whole document.

The restorer proposes an original for each flagged occurrence, and judged alone most of those
proposals fall below the edit threshold. Pooling them naively failed: the model repeats its
mistakes across a document as consistently as its right answers (``scripts/tune_document_pooling.py``).
Word counts are evidence the model's mistakes do not share: a spinner that maps "said" to
"mentioned" everywhere leaves "mentioned" far more often than news uses it and "said" never. For a
proposed map entry ``old -> new`` the document's counts give two log-likelihood ratios,
"new was spun into old throughout" against "clean" (``repair.document.evidence``).
``MapDecider`` combines them with what the restorer said (its best and mean calibrated
confidence, how many occurrences it proposed ``new`` at, and how many rival originals it
proposed) in a logistic model fitted on whole validation articles spun with one map
(``scripts/fit_map_decider.py``). Its output is the probability that an occurrence of ``old``
restored as ``new`` is right. An entry at or above the fitted threshold is
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

from repair.document.apply import apply_map
from repair.document.evidence import EntryFeatures, count_evidence, count_values
from repair.document.lm_margin import EntryMargin, entry_margins
from repair.document.thesaurus_entries import THESAURUS_FEATURES, thesaurus_entries, with_lm_leads
from repair.errors import ModelNotFoundError
from repair.resources.ngram import NgramModel, tokenize
from repair.resources.thesaurus import Thesaurus
from repair.results import Edit, MapEntry
from repair.text import count_words

if TYPE_CHECKING:  # importing repair.lm imports torch: `unspin --help` must not pay for it
    from repair.lm.lazy import LazyLanguageModel

# Restorer kind -> its fitted decider (it reads that kind's calibrated confidences, and is fitted
# on that kind's proposals); a kind missing here decides each occurrence alone.
DECIDER_FILES = {"seq2seq": "map_decider.json", "seq2seq+lm": "map_decider.seq2seq+lm.json"}
# The same, fitted with the pretrained LM's margins too (``repair.document.lm_margin``).
LM_DECIDER_FILES = {"seq2seq": "map_decider_lm.json", "seq2seq+lm": "map_decider_lm.seq2seq+lm.json"}
# The decider of the entries the restorer never proposed (``repair.document.thesaurus_entries``).
THESAURUS_DECIDER_FILES = {"seq2seq": "thesaurus_decider.json"}
MODEL_TYPE = "unspin-map-decider"
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


def logit(p: float) -> float:
    p = min(max(p, 1e-3), 1.0 - 1e-3)
    return math.log(p / (1.0 - p))


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
            *count_values(evidence),
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
    fitted with ``LM_FEATURES``, the LM's margins); with ``thesaurus_config``, also the entries
    the restorer never proposed (``repair.document.thesaurus_entries``)."""

    def __init__(self, config: MapDeciderConfig, ngram: NgramModel, lm: LazyLanguageModel | None = None,
                 thesaurus: Thesaurus | None = None, thesaurus_config: MapDeciderConfig | None = None):
        """``lm`` is read only by a decider fitted with the LM's margins (``LM_FEATURES``), and
        only when a spun document's map is decided: clean text never loads it. The thesaurus
        entries are judged by ``thesaurus_config`` and always read the LM."""
        check_features(config, (FEATURES, LM_FEATURES))
        if thesaurus_config is not None:
            check_features(thesaurus_config, (THESAURUS_FEATURES,))
        if thesaurus is not None and (lm is None or tuple(config.features) != LM_FEATURES):
            # Its entries are judged by the LM, on what the LM decider left (fit_map_decider.py --thesaurus).
            raise ValueError("the thesaurus's entries need the language model and the decider fitted with it")
        if thesaurus_config is not None and thesaurus is None:
            raise ValueError("the thesaurus entries' decider needs the thesaurus")
        self.config = config
        self.ngram = ngram
        self.lm = lm
        self.thesaurus = thesaurus
        self.thesaurus_config = thesaurus_config

    @property
    def threshold(self) -> float:
        return self.config.threshold

    @property
    def reads_lm(self) -> bool:
        return tuple(self.config.features) == LM_FEATURES

    def save_pretrained(self, folder: Path, kind: str = "seq2seq") -> list[Path]:
        """Write the decider's file (and the thesaurus entries' one, if it has it) under ``folder``."""
        folder = Path(folder)
        files = [(folder / (LM_DECIDER_FILES if self.reads_lm else DECIDER_FILES)[kind], self.config)]
        if self.thesaurus_config is not None:
            files.append((folder / THESAURUS_DECIDER_FILES[kind], self.thesaurus_config))
        return [write_config(config, path) for path, config in files]

    @classmethod
    def from_pretrained(cls, folder: Path, ngram: NgramModel, kind: str = "seq2seq",
                        lm: LazyLanguageModel | None = None, thesaurus: Thesaurus | None = None) -> "MapDecider | None":
        """The decider fitted for restorer ``kind`` under ``folder`` (``models/document``); None
        for a kind that has none (``lexicon``: no calibrated proposals to read). With ``lm``,
        the one fitted with the LM's margins; with ``lm`` and ``thesaurus`` too, the thesaurus
        entries' decider as well.

        Raises:
            ModelNotFoundError: the kind has a decider file name but the file is missing.
            ValueError: the file is not a map decider.
        """
        name = (LM_DECIDER_FILES if lm is not None else DECIDER_FILES).get(kind)
        if name is None:
            return None
        config = read_config(Path(folder) / name)
        thesaurus_name = THESAURUS_DECIDER_FILES.get(kind) if lm is not None and thesaurus is not None else None
        thesaurus_config = read_config(Path(folder) / thesaurus_name) if thesaurus_name else None
        return cls(config, ngram, lm, thesaurus if thesaurus_config else None, thesaurus_config)

    def decide(self, text: str, proposals: Sequence[Edit]) -> list[MapEntry]:
        """The entries to apply throughout ``text``: at or above the threshold, one original per
        spun word and one spun word per original (a one-map spinner's map is one to one; a
        missing "said" is evidence for one of the words proposed for it, not for all of them:
        ``choose_entries``). The restorer's proposals are decided first; the thesaurus entries
        then fill what they left."""
        proposed, found = self._decide(text, proposals)
        return sorted([*proposed, *found], key=lambda e: (-e.count, -e.confidence, e.old))

    def edits(self, text: str, proposals: Sequence[Edit], taken: Sequence[Edit]) -> list[Edit]:
        """Edits (source ``document``) for the decided entries' occurrences that no edit in
        ``taken`` covers and where the new wording fits the context (``min_preference``)."""
        proposed, found = self._decide(text, proposals)
        added = self._fitting(text, apply_map(text, proposed, taken), self.config.min_preference)
        if found:
            more = apply_map(text, found, [*taken, *added])
            added = sorted([*added, *self._fitting(text, more, self.thesaurus_config.min_preference)], key=lambda e: e.start)
        return added

    def candidates(self, text: str, proposals: Sequence[Edit]) -> tuple[list[EntryFeatures], list[EntryFeatures]]:
        """Every entry the restorer proposed in ``text``, and the thesaurus's (with a thesaurus), with
        the inputs the deciders read (the LM's margins included). A decider built with a
        thesaurus but no ``thesaurus_config`` lists the thesaurus's entries without applying them
        (``scripts/fit_map_decider.py --thesaurus`` collects its rows that way)."""
        words = count_words(text)
        if words < self.config.min_words:
            return [], []
        features = entry_features(text, proposals, self.ngram)
        found: list[EntryFeatures] = []
        if self.thesaurus is not None:
            found = thesaurus_entries(text, self.thesaurus, self.ngram, words, skip={(f.old, f.new) for f in features})
        if self.reads_lm and (features or found):
            features, found = self._with_lm_margins(text, features, found)
        return features, found

    def _decide(self, text: str, proposals: Sequence[Edit]) -> tuple[list[MapEntry], list[MapEntry]]:
        """The chosen entries from the restorer's proposals, and from the thesaurus."""
        features, found = self.candidates(text, proposals)
        proposed = choose_entries(list(zip(probabilities(self.config, features), features)), self.threshold)
        if self.thesaurus_config is None or not found:
            return proposed, []
        found = with_lm_leads(unclaimed(found, proposed))
        scored = list(zip(probabilities(self.thesaurus_config, found), found))
        return proposed, choose_entries(scored, self.thesaurus_config.threshold, claimed=proposed)

    def _with_lm_margins(self, text: str, *groups: Sequence[EntryFeatures]) -> list[list[EntryFeatures]]:
        """Each group of entries with the LM's margins over their places appended (one LM batch for all)."""
        if self.lm is None:
            raise ValueError("this map decider reads the language model's margins: build it with lm")
        tick = time.perf_counter()
        flat = [f for group in groups for f in group]
        margins = iter(entry_margins(self.lm.get(), text, [(f.old, f.new) for f in flat]) if flat else [])
        self.lm.seconds += time.perf_counter() - tick
        return [[EntryFeatures(f.old, f.new, f.occurrences, (*f.values, *margin_values(next(margins)))) for f in group]
                for group in groups]

    def _fitting(self, text: str, added: list[Edit], min_preference: float | None) -> list[Edit]:
        if min_preference is None:
            return added
        return [e for e in added if context_preference(self.ngram, text, e.start, e.end, e.new) >= min_preference]


def check_features(config: MapDeciderConfig, known: Sequence[tuple[str, ...]]) -> None:
    """Refuse a fitted decider whose inputs this code does not compute."""
    if tuple(config.features) not in known:
        raise ValueError(f"map decider was fitted on features {list(config.features)}, this code computes "
                         f"{' or '.join(str(list(k)) for k in known)}: refit it")
    if not len(config.weights) == len(config.mean) == len(config.scale) == len(config.features):
        raise ValueError(f"map decider has {len(config.weights)} weights for {len(config.features)} features: refit it")


def write_config(config: MapDeciderConfig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config.to_dict(), indent=1) + "\n", encoding="utf-8")
    return path


def read_config(path: Path) -> MapDeciderConfig:
    """A fitted decider's file (``MapDeciderConfig.to_dict``).

    Raises:
        ModelNotFoundError: the file is missing.
        ValueError: the file is not a map decider.
    """
    if not path.is_file():
        raise ModelNotFoundError(f"map decider not found: {path} (run scripts/fit_map_decider.py)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("model_type") != MODEL_TYPE:
        raise ValueError(f"{path}: not a map decider (model_type {data.get('model_type')!r})")
    return MapDeciderConfig(features=tuple(data["features"]), weights=tuple(data["weights"]),
                            mean=tuple(data["mean"]), scale=tuple(data["scale"]), bias=float(data["bias"]),
                            threshold=float(data["threshold"]), min_preference=data.get("min_preference"),
                            min_words=int(data.get("min_words", 150)), meta=data.get("meta", {}))


def probabilities(config: MapDeciderConfig, features: Sequence[EntryFeatures]) -> list[float]:
    """The fitted logistic model's probability for each entry (inputs standardised as when fitted)."""
    if not features:
        return []
    values = np.array([f.values for f in features], dtype=np.float64)
    weights = np.asarray(config.weights) / np.asarray(config.scale)
    bias = config.bias - float(np.dot(weights, np.asarray(config.mean)))
    return (1.0 / (1.0 + np.exp(-(values @ weights + bias)))).round(4).tolist()


def unclaimed(entries: Sequence[EntryFeatures], claimed: Sequence[MapEntry]) -> list[EntryFeatures]:
    """The entries that share neither word with a ``claimed`` one (the map stays one to one)."""
    return [e for e in entries if not any(c.old == e.old or c.new == e.new for c in claimed)]


def choose_entries(scored: Sequence[tuple[float, EntryFeatures]], threshold: float,
                   claimed: Sequence[MapEntry] = ()) -> list[MapEntry]:
    """Entries at or above ``threshold``, keeping the map one to one (with ``claimed`` too).

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
        if not unclaimed([entry], [*claimed, *chosen]):
            continue
        chosen.append(MapEntry(entry.old, entry.new, entry.occurrences, probability))
    return sorted(chosen, key=lambda e: (-e.count, -e.confidence, e.old))
