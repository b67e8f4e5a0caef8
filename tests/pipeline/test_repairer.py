"""End to end: the Repairer with the lexicon detector and restorer, and the shipped pipeline.

The models are committed under ``models/``; one that does not load fails these tests.
"""
from __future__ import annotations

import pytest

from repair.detect.registry import load_detector
from repair.glossary.match import Glossary
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.restore.registry import load_restorer
from repair.results import Edit
from repair.text import paragraphs
from tests.samples import CLEAN_TWO_PARAGRAPHS, LIGHTLY_SPUN, SPUN_TWO_PARAGRAPHS

CLEAN_SEEDS = ("000", "001", "004")
SPUN = (
    "The overseas minister mentioned on Monday that safety forces had been deployed to the capital after "
    "protesters marched in opposition to the government. Officers stated the scenario remained tense, and the "
    "authorities additionally promised to offer help to households affected by the violence. Talks with "
    "opposition leaders will probably be held subsequent week, the ministry added."
)


class NoTerms:
    """A glossary that finds nothing: the lexicon detector and restorer alone."""

    def find(self, paragraph: str) -> list:
        return []


@pytest.fixture(scope="module")
def lexicon_detector(shipped_resources):
    return load_detector("lexicon", shipped_resources)


@pytest.fixture(scope="module")
def lexicon_restorer(shipped_resources):
    return load_restorer("lexicon", shipped_resources)


@pytest.fixture(scope="module")
def repairer(shipped_resources, lexicon_detector, lexicon_restorer) -> Repairer:
    """The lexicon detector and restorer with the shipped glossary."""
    glossary = Glossary.load(shipped_resources.root)
    return Repairer(detector=lexicon_detector, glossary=glossary, restorers=[lexicon_restorer])


@pytest.fixture(scope="module")
def lexicon_only(lexicon_detector, lexicon_restorer) -> Repairer:
    return Repairer(detector=lexicon_detector, glossary=NoTerms(), restorers=[lexicon_restorer])


def test_repairs_a_spun_sentence(lexicon_only):
    result = lexicon_only.repair(SPUN)
    assert result.text.startswith("The foreign minister said on Monday that security forces")
    assert "against the government" in result.text
    assert "will be held next week" in result.text
    assert all(e.source == "lexicon" for e in result.edits)
    assert result.detection.spun


def test_multi_paragraph_offsets(lexicon_only):
    text = "The talks ended on Monday.\n" + SPUN + "\n"
    result = lexicon_only.repair(text)
    for edit in result.edits:
        assert text[edit.start : edit.end] == edit.old
    assert result.text.startswith("The talks ended on Monday.\nThe foreign minister said")
    assert result.text.endswith(".\n")


def test_empty_text(lexicon_only):
    result = lexicon_only.repair("")
    assert result.text == "" and result.edits == ()


@pytest.mark.shared
@pytest.mark.parametrize("prefix", CLEAN_SEEDS)
def test_clean_seed_is_byte_identical(repairer, seed_text, prefix):
    text = seed_text(prefix)
    result = repairer.repair(text)
    assert result.text == text
    assert result.edits == ()


@pytest.mark.shared
def test_seed_003_detected_above_clean_seeds(repairer, seed_text):
    spun = repairer.detect(seed_text("003")).score
    assert spun > 0.9
    for prefix in CLEAN_SEEDS:
        assert repairer.detect(seed_text(prefix)).score < spun


@pytest.mark.shared
def test_seed_003_restores_foreign_minister(lexicon_only, seed_text):
    text = seed_text("003")
    result = lexicon_only.repair(text)
    assert "Overseas Minister" in text
    assert "Overseas Minister" not in result.text
    assert result.text.count("Foreign Minister") >= 2
    assert "in opposition to" not in result.text
    changed = {(e.old, e.new) for e in result.edits}
    assert ("Overseas", "Foreign") in changed
    assert ("in opposition to", "against") in changed


def test_repairer_load_repairs_with_the_shipped_defaults(shipped_repairer):
    """The shipped default: Repairer.load() with no arguments, no network (loaded once per session)."""
    repairer = shipped_repairer
    assert repairer.config == RepairConfig()
    result = repairer.repair(SPUN)
    # Precision first: only the edits calibrated at >= 0.83 (right 9 times in 10 on validation).
    assert [(e.old, e.new, e.source) for e in result.edits] == [
        ("in opposition to", "against", "model"), ("will probably be", "will be", "model"), ("subsequent", "next", "model")]
    assert repairer.min_confidence == 0.83 and all(e.confidence >= 0.83 for e in result.edits)
    assert result.text == (SPUN.replace("in opposition to", "against").replace("will probably be", "will be")
                           .replace("subsequent", "next"))
    # A lower threshold buys more repairs (and more wrong ones): the words of the README's example.
    looser = repairer.with_config(min_confidence=0.5).repair(SPUN)
    assert looser.text.startswith("The foreign minister said on Monday that security forces")
    assert {(e.old, e.new) for e in result.edits} < {(e.old, e.new) for e in looser.edits}
    # One thesaurus and one n-gram model in memory: the restorer shares the detector's.
    (restorer,) = repairer.restorers
    assert restorer.ngram is repairer.detector.scorer.ngram
    assert restorer.prior.thesaurus is repairer.detector.scorer.source.thesaurus


GARBLED_MT = (
    "The position was stated by Premier Sergei Lavrov in a call with the NTO (North Atlantic Treaty "
    "Organization) on Friday.\n"
    "Later the ministry said the NATO summit would go ahead, and that the NAO had been informed."
)


def test_shipped_glossary_repairs_titles_and_carries_acronym_repairs_through_the_document(shipped_repairer):
    repairer = shipped_repairer.with_config(use_model=False)
    result = repairer.repair(GARBLED_MT)
    changed = [(e.old, e.new) for e in result.edits]
    assert ("Premier", "Foreign Minister") in changed
    assert ("NTO", "NATO") in changed and ("NAO", "NATO") in changed
    assert result.text.count("NATO") == 3
    assert repairer.repair(result.text).text == result.text  # repaired text stays as it is


class RecordingRestorer:
    """A restorer that proposes nothing and records which spans it was asked about."""

    def __init__(self):
        self.seen: list[tuple[int, int]] = []

    def propose(self, paragraph, spans):
        self.seen.extend((s.start, s.end) for s in spans)
        return []


def test_restorer_examines_weak_spans_only_when_asked(lexicon_detector):
    detector = lexicon_detector
    report = detector.detect_batch([SPUN])[0]
    assert report.spun and report.weak_spans
    for weak, expected in ((True, report.spans + report.weak_spans), (False, report.spans)):
        recorder = RecordingRestorer()
        repairer = Repairer(detector=detector, glossary=NoTerms(), restorers=[recorder], config=RepairConfig(weak_spans=weak))
        result = repairer.repair(SPUN)
        assert sorted(recorder.seen) == sorted((s.start, s.end) for s in expected)
        assert result.text == SPUN and result.detection.spans == report.spans


class UppercasingRestorer:
    """A restorer that proposes every span it is asked about in capitals, at one confidence."""

    def __init__(self, confidence: float):
        self.confidence = confidence

    def propose(self, paragraph, spans):
        return [Edit(s.start, s.end, paragraph[s.start:s.end], paragraph[s.start:s.end].upper(), "lexicon", self.confidence)
                for s in spans]


def test_a_weak_suspects_repair_is_kept_alone_only_when_sure_but_is_always_evidence(lexicon_detector):
    """Under ``weak_min_confidence`` a weak suspect's proposal is not an edit, yet it stays among
    the document's candidates, which the map decider pools across the document."""
    report = lexicon_detector.detect_batch([SPUN])[0]
    assert report.spun and report.spans and report.weak_spans
    segments = paragraphs(SPUN)

    def run(weak_min_confidence):
        repairer = Repairer(detector=lexicon_detector, glossary=NoTerms(), restorers=[UppercasingRestorer(0.7)],
                            config=RepairConfig(weak_min_confidence=weak_min_confidence))
        candidates = repairer.document_candidates(SPUN, segments, repairer.detect_paragraphs([SPUN], [segments])[0])
        return repairer.repair(SPUN).edits, candidates

    everywhere = sorted((s.start, s.end) for s in report.spans + report.weak_spans)
    edits, candidates = run(0.8)
    assert sorted((e.start, e.end) for e in candidates) == everywhere
    assert sorted((e.start, e.end) for e in edits) == sorted((s.start, s.end) for s in report.spans)
    edits, candidates = run(0.6)
    assert sorted((e.start, e.end) for e in edits) == everywhere


def test_a_spun_document_is_restored_in_its_paragraphs_that_score_low(shipped_repairer):
    """A spinner spins the whole article: in a document with two spun paragraphs, the restorer
    also reads the suspects of a paragraph that scored under the threshold on its own."""
    document = SPUN_TWO_PARAGRAPHS + LIGHTLY_SPUN
    start = document.index(LIGHTLY_SPUN)
    reports = shipped_repairer.detect_paragraphs([document], [paragraphs(document)])[0]
    assert [r.spun for r in reports] == [True, True, False]

    def last_paragraph_edits(repairer):
        return [(e.old, e.new) for e in repairer.repair(document).edits if e.start >= start]

    assert last_paragraph_edits(shipped_repairer) == [("aver", "say")]
    assert last_paragraph_edits(shipped_repairer.with_config(spun_document_paragraphs=None)) == []
    assert last_paragraph_edits(shipped_repairer.with_config(spun_document_paragraphs=3)) == []
    with pytest.raises(ValueError, match="at least 1"):  # 0 would call every document spun
        RepairConfig(spun_document_paragraphs=0)
    # Beside clean paragraphs, the same paragraph is judged alone, and left as it is.
    clean_beside = CLEAN_TWO_PARAGRAPHS + LIGHTLY_SPUN
    assert shipped_repairer.repair(clean_beside).text == clean_beside
