"""Detector kinds by name: every shipped kind loads, and adding a kind takes one module and one entry.

``test_a_new_kind_needs_one_class_and_one_registry_entry`` is the whole recipe: the class
below stands for the new module, the ``monkeypatch.setitem`` for the line added to
``DETECTORS``; nothing else in the package changes, and the pipeline runs it end to end.
"""
from __future__ import annotations

from collections.abc import Sequence

import pytest

from repair.detect.cascade import CascadeDetector
from repair.detect.fusion import CombinedDetector
from repair.detect.lexicon import LexiconDetector
from repair.detect.registry import DETECTORS, load_detector
from repair.detect.tagger import Tagger
from repair.errors import UnknownKindError
from repair.paths import models_dir
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.resources.shared import Resources
from repair.results import DetectionReport, Span


class WordListDetector:
    """A new detector kind: flags every word of a fixed list (case-insensitive)."""

    def __init__(self, words: Sequence[str], resources: Resources):
        self.words = frozenset(w.lower() for w in words)
        self.resources = resources  # what the loader was given: the pipeline's shared resources

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        from repair.text import words

        reports = []
        for paragraph in paragraphs:
            found = [w for w in words(paragraph) if w.text.lower() in self.words]
            spans = tuple(Span(w.start, w.end, w.text, 0.9, "on the word list") for w in found)
            reports.append(DetectionReport(0.9 if spans else 0.0, bool(spans), spans, 0.5, len(words(paragraph))))
        return reports


def load_word_list(resources: Resources) -> WordListDetector:
    return WordListDetector(["utilize", "commence"], resources)


def test_a_new_kind_needs_one_class_and_one_registry_entry(monkeypatch):
    monkeypatch.setitem(DETECTORS, "mine", load_word_list)
    repairer = Repairer.load(config=RepairConfig(detector="mine", use_model=False))
    text = "The talks will commence today.\n\nOfficials utilize the plan and Utilize it again."
    result = repairer.repair(text)
    assert isinstance(repairer.detector, WordListDetector)
    assert isinstance(repairer.detector.resources, Resources) and repairer.detector.resources.root == models_dir()
    assert [(s.text, text[s.start : s.end]) for s in result.detection.spans] == [("commence", "commence"), ("utilize", "utilize"), ("Utilize", "Utilize")]
    assert result.detection.spun and result.detection.score == 0.9
    assert repairer.detect(text).spans == result.detection.spans


def test_an_unknown_kind_names_the_value_and_the_choices(shipped_resources):
    with pytest.raises(UnknownKindError, match=r"unknown detector 'bert'; choose from \['cascade', 'cascade\+lm', 'combined', 'lexicon', 'tagger'\]"):
        RepairConfig(detector="bert")
    with pytest.raises(UnknownKindError, match="'bert'") as error:
        load_detector("bert", shipped_resources)
    assert error.value.value == "bert" and error.value.choices == sorted(DETECTORS)


def test_every_shipped_kind_loads_as_its_class(lexicon, tagger, combined, cascade):
    assert sorted(DETECTORS) == ["cascade", "cascade+lm", "combined", "lexicon", "tagger"]
    assert isinstance(lexicon, LexiconDetector)
    assert isinstance(tagger, Tagger)
    assert isinstance(combined, CombinedDetector)
    assert isinstance(cascade, CascadeDetector)


def test_the_default_kind_is_the_cascade():
    assert RepairConfig().detector == "cascade"
