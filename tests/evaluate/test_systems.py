"""Systems under evaluation (repair/evaluate/systems.py), with a toy pipeline of real components.

The toy components (a detector that flags "mentioned", a glossary that knows one name, a
restorer that says "said") make a real ``Repairer``, so these tests pin down the baselines
without the shipped models.
"""
from __future__ import annotations

import re

import pytest

from repair.errors import InputError
from repair.evaluate.pairs import Pair
from repair.evaluate.systems import (
    DO_NOTHING,
    GLOSSARY_ONLY,
    SYSTEM,
    DoNothing,
    Hypotheses,
    RepairerSystem,
    default_systems,
    glossary_only,
)
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport, Edit, Span


class ToyGlossary:
    def find(self, paragraph: str) -> list[Edit]:
        start = paragraph.find("Safety Group")
        if start < 0:
            return []
        return [Edit(start, start + 12, "Safety Group", "Security Organization", "glossary", 0.9)]


class ToyDetector:
    def detect_batch(self, paragraphs):
        return [DetectionReport(score=0.8 if "mentioned" in p else 0.1, spun="mentioned" in p,
                                spans=tuple(Span(m.start(), m.end(), "mentioned", 0.8) for m in re.finditer("mentioned", p)))
                for p in paragraphs]


class ToyRestorer:
    def propose(self, paragraph, spans):
        return [Edit(s.start, s.end, s.text, "said", "model", 0.9) for s in spans]


def toy_repairer(use_model: bool = True) -> Repairer:
    full = Repairer(detector=ToyDetector(), glossary=ToyGlossary(), restorers=[ToyRestorer()], config=RepairConfig())
    # with_config drops the restorers for use_model=False, as Repairer.load does.
    return full.with_config(use_model=use_model)


def test_glossary_only_matches_the_pipeline_without_model():
    texts = ["The Safety Group mentioned it.\nNothing here.", "Plain text."]
    expected = [r.text for r in toy_repairer(use_model=False).repair_batch(texts)]
    assert [r.text for r in glossary_only(toy_repairer()).repair_batch(texts)] == expected
    assert expected[0] == "The Security Organization mentioned it.\nNothing here."


def test_default_systems_with_a_repairer():
    systems = default_systems(toy_repairer(), external=False)
    assert list(systems) == [SYSTEM, DO_NOTHING, GLOSSARY_ONLY]
    assert list(default_systems(toy_repairer(use_model=False), external=False)) == [SYSTEM, DO_NOTHING]
    outputs = systems[GLOSSARY_ONLY].run([Pair("1", "The Safety Group mentioned it.", "")])
    assert outputs[0].text == "The Security Organization mentioned it." and outputs[0].detection is None


def test_repairer_system_passes_the_detection_on():
    (output,) = RepairerSystem(toy_repairer()).run([Pair("1", "They mentioned it.", "They said it.")])
    assert output.text == "They said it."
    assert output.detection.spun and [s.text for s in output.detection.spans] == ["mentioned"]


def test_external_systems_and_do_nothing():
    pairs = [Pair("1", "a b", "a c", hypothesis="a c"), Pair("2", "d", "d", hypothesis="e")]
    assert [o.text for o in Hypotheses().run(pairs)] == ["a c", "e"]
    assert [o.text for o in DoNothing().run(pairs)] == ["a b", "d"]
    assert list(default_systems(None, external=True)) == [SYSTEM, DO_NOTHING]
    with pytest.raises(InputError, match="pair '3' has no 'hypothesis'"):
        Hypotheses().run([Pair("3", "x", "y")])
