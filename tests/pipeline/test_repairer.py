"""End to end: Repairer with the lexicon detector and restorer (and the glossary when it is built)."""
from __future__ import annotations

import pytest

from repair.detect.lexicon import LexiconDetector, build_scorer
from repair.errors import ModelNotFoundError
from repair.paths import models_dir
from repair.pipeline.repairer import RepairConfig, Repairer
from repair.restore.lexicon import LexiconRestorer

CLEAN_SEEDS = ("000", "001", "004")
SPUN = (
    "The overseas minister mentioned on Monday that safety forces had been deployed to the capital after "
    "protesters marched in opposition to the government. Officers stated the scenario remained tense, and the "
    "authorities additionally promised to offer help to households affected by the violence. Talks with "
    "opposition leaders will probably be held subsequent week, the ministry added."
)


class NoTerms:
    """Stands in for the glossary where it has not been built: finds nothing."""

    def find(self, paragraph: str) -> list:
        return []


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    root = models_dir()
    try:
        from repair.glossary.match import Glossary

        glossary = Glossary.load(root)
    except (ImportError, ModelNotFoundError):
        glossary = NoTerms()
    try:
        scorer = build_scorer(root)
        return Repairer(detector=LexiconDetector(scorer), glossary=glossary, restorers=[LexiconRestorer(scorer)])
    except ModelNotFoundError as err:
        pytest.skip(str(err))


@pytest.fixture(scope="module")
def lexicon_only() -> Repairer:
    root = models_dir()
    try:
        scorer = build_scorer(root)
        return Repairer(detector=LexiconDetector(scorer), glossary=NoTerms(), restorers=[LexiconRestorer(scorer)])
    except ModelNotFoundError as err:
        pytest.skip(str(err))


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


def test_repairer_load_repairs_with_the_shipped_defaults():
    """The shipped default: Repairer.load() with no arguments, no network."""
    try:
        repairer = Repairer.load()
    except ModelNotFoundError as err:
        pytest.skip(str(err))
    result = repairer.repair(SPUN)
    assert result.text.startswith("The foreign minister")
    assert "security forces" in result.text
    assert "against the government" in result.text
    assert "will be held" in result.text
    assert all(result.text.count(word) == SPUN.count(word) for word in ("Monday", "capital", "ministry added"))
    # One thesaurus and one n-gram model in memory: the restorer shares the detector's.
    (restorer,) = repairer.restorers
    assert restorer.ngram is repairer.detector.scorer.ngram
    assert restorer.prior.thesaurus is repairer.detector.scorer.source.thesaurus


GARBLED_MT = (
    "The position was stated by Premier Sergei Lavrov in a call with the NTO (North Atlantic Treaty "
    "Organization) on Friday.\n"
    "Later the ministry said the NATO summit would go ahead, and that the NAO had been informed."
)


def test_shipped_glossary_repairs_titles_and_carries_acronym_repairs_through_the_document():
    try:
        repairer = Repairer.load(config=RepairConfig(use_model=False))
    except ModelNotFoundError as err:
        pytest.skip(str(err))
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


def test_restorer_examines_weak_spans_only_when_asked():
    try:
        detector = LexiconDetector(build_scorer(models_dir()))
    except ModelNotFoundError as err:
        pytest.skip(str(err))
    report = detector.detect_batch([SPUN])[0]
    assert report.spun and report.weak_spans
    for weak, expected in ((True, report.spans + report.weak_spans), (False, report.spans)):
        recorder = RecordingRestorer()
        repairer = Repairer(detector=detector, glossary=NoTerms(), restorers=[recorder], config=RepairConfig(weak_spans=weak))
        result = repairer.repair(SPUN)
        assert sorted(recorder.seen) == sorted((s.start, s.end) for s in expected)
        assert result.text == SPUN and result.detection.spans == report.spans
