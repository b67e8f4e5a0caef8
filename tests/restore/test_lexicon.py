"""Lexicon restorer: the corpus-preferred original for each flagged phrase, case and inflection kept."""
from __future__ import annotations

import pytest

from repair.detect.registry import load_detector
from repair.merge.edits import apply_edits, merge_edits
from repair.restore.registry import load_restorer
from repair.results import Span

from tests.samples import CLEAN, SPUN  # noqa: E402  (the shared spun/clean pair)


@pytest.fixture(scope="module")
def parts(shipped_resources):
    """The lexicon detector and restorer, both built from the shared resources."""
    return load_detector("lexicon", shipped_resources), load_restorer("lexicon", shipped_resources)


def repair_with(parts, text: str) -> str:
    detector, restorer = parts
    (report,) = detector.detect_batch([text])
    return apply_edits(text, merge_edits(restorer.propose(text, report.spans), min_confidence=0.5))


def test_no_spans_no_edits(parts):
    _, restorer = parts
    assert restorer.propose(SPUN, []) == []


@pytest.mark.parametrize(
    "restored",
    ["The foreign minister said on Monday that security forces", "marched against the government",
     "Officers said", "to families affected", "will be held next week"],
)
def test_restores_exact_words_with_case(parts, restored):
    assert restored in repair_with(parts, SPUN)


def test_edits_are_lexicon_edits_that_fit_the_text(parts):
    detector, restorer = parts
    (report,) = detector.detect_batch([SPUN])
    edits = restorer.propose(SPUN, report.spans)
    assert edits
    for edit in edits:
        assert SPUN[edit.start : edit.end] == edit.old
        assert edit.source == "lexicon"
        assert 0.0 <= edit.confidence <= 1.0


@pytest.mark.parametrize(("text", "old", "new"), [(SPUN, "overseas", "foreign"), ("Overseas minister Wang spoke.", "Overseas", "Foreign")])
def test_case_of_the_spun_word_is_kept(parts, text, old, new):
    _, restorer = parts
    start = text.index(old)
    edits = restorer.propose(text, [Span(start, start + len(old), old, 0.9, "test")])
    assert (old, new) in {(e.old, e.new) for e in edits}


def test_inflection_is_kept(parts):
    """Past tense comes back past tense, plurals come back plural."""
    detector, restorer = parts
    (report,) = detector.detect_batch([SPUN])
    edits = {(e.old, e.new) for e in restorer.propose(SPUN, report.spans)}
    assert {("mentioned", "said"), ("stated", "said"), ("households", "families")} <= edits


def test_foreign_span_from_another_detector_is_accepted(parts):
    """A trained tagger may cut spans differently; overlapping phrases are still restored."""
    _, restorer = parts
    start = SPUN.index("overseas minister")
    span = Span(start, start + len("overseas minister"), "overseas minister", 0.95, "tagger")
    edits = restorer.propose(SPUN, [span])
    assert any(e.old == "overseas" and e.new == "foreign" for e in edits)


def test_clean_paragraph_is_left_alone(parts):
    assert repair_with(parts, CLEAN) == CLEAN
