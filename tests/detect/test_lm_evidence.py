"""LM detector evidence: the pure parts (runs, pooling, combinations, merging) fast; the real LM slow."""
from __future__ import annotations

import math

import pytest

from repair.detect.lm_checks import changed_range, combinations
from repair.detect.lm_evidence import join_runs, merge_spans, pool_by_type, span_score
from repair.results import DetectionReport, Span


@pytest.mark.parametrize("indices, max_run, runs", [
    ([], 3, []),
    ([4], 3, [(4, 4)]),
    ([2, 3, 4, 7, 9, 10], 3, [(2, 4), (7, 7), (9, 10)]),
    ([1, 2, 3, 4], 3, [(1, 3), (4, 4)]),
    ([5, 3, 4, 3], 2, [(3, 4), (5, 5)]),
])
def test_consecutive_suspects_join_into_runs(indices, max_run, runs):
    assert join_runs(indices, max_run) == runs


def test_a_type_is_decided_once_by_the_mean_margin_of_its_occurrences():
    verdicts = pool_by_type({"mentioned": [6.0, 3.0, 4.5], "stated": [9.0, -8.0], "unchecked": []}, confirm_margin=4.0)
    assert verdicts["mentioned"].confirmed and verdicts["mentioned"].checked == 3
    assert verdicts["mentioned"].margin == pytest.approx(4.5)
    assert not verdicts["stated"].confirmed  # one strong occurrence does not outvote a strongly contrary one
    assert not verdicts["unchecked"].confirmed and verdicts["unchecked"].margin == -math.inf


def test_combinations_start_with_the_words_as_written_and_stay_within_the_limit():
    combos = combinations([["counterfeit", "artificial", "fake"], ["consciousness", "awareness"]], limit=4)
    assert combos[0] == ("counterfeit", "consciousness")
    assert len(combos) == 4 and len(set(combos)) == 4
    assert ("artificial", "consciousness") in combos and ("counterfeit", "awareness") in combos


def test_changed_range_ignores_case():
    assert changed_range(["Profound", "neural", "organization"], ["deep", "neural", "network"]) == (0, 2)
    assert changed_range(["big", "data"], ["Big", "data"]) is None


def test_confirmed_spans_replace_the_spans_they_overlap_and_raise_the_score():
    report = DetectionReport(score=0.2, spun=False, spans=(Span(20, 25, "bosom", 0.9),), threshold=0.5,
                             weak_spans=(Span(26, 31, "peril", 0.2), Span(40, 45, "other", 0.2)))
    confirmed = [Span(20, 31, "bosom peril", span_score(6.0, 4.0))]
    merged = merge_spans(report, confirmed)
    assert merged.spun and merged.score == pytest.approx(span_score(6.0, 4.0))
    assert [s.text for s in merged.spans] == ["bosom peril"]
    assert [s.text for s in merged.weak_spans] == ["other"]
    assert merge_spans(report, []) is report


def test_span_score_passes_one_half_below_the_confirm_margin():
    assert span_score(4.0, 4.0) > 0.5 > span_score(3.0, 4.0)


@pytest.mark.slow
def test_a_tortured_phrase_is_flagged_and_its_clean_twin_is_not():
    from repair.detect.lm_evidence import LMEvidenceDetector, load_lm_evidence
    from repair.lm import LanguageModel, LMConfig, default_cache_dir
    from repair.lm.lazy import LazyLanguageModel
    from repair.paths import models_dir
    from repair.resources.shared import Resources
    from repair.results import DetectionReport as Report

    class Nothing:  # LM evidence alone: the cheap detector finds nothing
        def detect_batch(self, paragraphs):
            return [Report(score=0.0, spun=False) for _ in paragraphs]

    resources = Resources.load(models_dir())
    lm = LazyLanguageModel.of(LanguageModel.load(default_cache_dir(), LMConfig(threads=1)))
    detector: LMEvidenceDetector = load_lm_evidence(resources, Nothing(), lm)
    spun, clean = detector.detect_batch([
        "Recent advances in counterfeit consciousness have transformed the analysis of medical images.",
        "Recent advances in artificial intelligence have transformed the analysis of medical images.",
    ])
    assert spun.spun and any("counterfeit" in s.text for s in spun.spans)
    assert not clean.spun and not clean.spans


@pytest.mark.slow
def test_checks_read_each_paragraph_once_and_agree_with_reading_each_check_alone(monkeypatch):
    """``read_checks`` reads a paragraph once for all its checks; a paragraph over
    ``PARAGRAPH_PIECES`` has each check read alone with ``left_chars`` of context. On a paragraph
    shorter than ``left_chars`` the two see the same words, so their numbers agree."""
    import repair.lm.slots as slots_module
    from repair.detect.lm_checks import CheckRequest
    from repair.detect.lm_evidence import LMEvidenceDetector, load_lm_evidence
    from repair.lm import LanguageModel, LMConfig, default_cache_dir
    from repair.lm.lazy import LazyLanguageModel
    from repair.paths import models_dir
    from repair.resources.shared import Resources

    paragraph = "The minister mentioned on Monday that safety forces would stay in the capital."
    assert len(paragraph) < 300
    requests = [
        CheckRequest(0, paragraph.index("mentioned"), paragraph.index("mentioned") + 9, ("mentioned",),
                     (("mentioned",), ("said",)), ("mentioned", "said")),
        CheckRequest(0, paragraph.index("safety"), paragraph.index("safety") + 6, ("safety",),
                     (("safety",), ("security",)), ("safety", "security")),
    ]
    lm = LazyLanguageModel.of(LanguageModel.load(default_cache_dir(), LMConfig(threads=1)))
    detector: LMEvidenceDetector = load_lm_evidence(Resources.load(models_dir()), None, lm)
    whole = detector.read_checks([paragraph], requests)
    read_whole = detector.read.pieces
    monkeypatch.setattr(slots_module, "PARAGRAPH_PIECES", 0)
    alone = detector.read_checks([paragraph], requests)
    assert detector.read.pieces - read_whole > read_whole  # alone, the left context is read once per check
    for a, b in zip(whole, alone):
        assert [s.logprob for s in a] == pytest.approx([s.logprob for s in b], abs=1e-3)
    checks = [r.check([s.logprob for s in scored]) for r, scored in zip(requests, whole)]
    assert [c.best for c in checks] == ["said", "security"] and all(c.margin > 0 for c in checks)
