"""The fused detector: per-word evidence from the tagger and the lexicon, and the shipped fusion."""
from __future__ import annotations

import numpy as np
import pytest

from repair.detect.config import TaggerConfig
from repair.detect.fusion import FUSION_FEATURES, CombinedDetector, fusion_features, load_combined, phrase_groups
from repair.detect.lexicon import Analysis, Candidate, Scored, SpanVerdict
from repair.detect.tagger import units
from repair.errors import ModelNotFoundError
from repair.paths import models_dir
from repair.resources.shared import Resources
from tests.detect.samples import CLEAN, document_score


def analysis_of(verdicts: list[tuple[int, int, str, str]]) -> Analysis:
    """An analysis with one verdict per (start, end, text, replacement) phrase."""
    found = tuple(SpanVerdict(Scored(Candidate(0, 1, s, e, t, r, 0.5), 3.0, (), 2.0), 0.8, 1.0) for s, e, t, r in verdicts)
    return Analysis(found, 0.9, 0.9, 0.3, 3)


def test_fusion_features_mark_words_a_lexicon_phrase_covers():
    text = "officials mentioned it"
    words = [u for u in units(text) if u.is_word]
    x = fusion_features(words, np.array([0.1, 0.7, 0.1]), analysis_of([(10, 19, "mentioned", "said")]), (1.0, 0.5))
    assert x.shape == (3, len(FUSION_FEATURES))
    assert x[:, 3].tolist() == [0.0, 1.0, 0.0]
    assert x[1, 1] == pytest.approx(2.5) and x[1, 2] == pytest.approx(np.log(4))
    assert x[0, 0] == pytest.approx(np.log(0.1 / 0.9)) and x[:, 4].tolist() == [1.0, 1.0, 1.0]


def test_phrase_groups_give_a_phrase_one_id_and_every_other_word_its_own():
    text = "the Chinese language minister said"
    words = [u for u in units(text) if u.is_word]
    groups = phrase_groups(words, analysis_of([(4, 20, "Chinese language", "foreign")]))
    assert groups[1] == groups[2] == 0
    assert len({groups[0], groups[3], groups[4], 0}) == 4


def test_a_folder_without_a_fitted_fusion_is_a_missing_model(tmp_path, shipped_resources):
    TaggerConfig().save_pretrained(tmp_path / "detector")
    resources = Resources(tmp_path, shipped_resources.thesaurus, shipped_resources.ngram)
    with pytest.raises(ModelNotFoundError, match="no fitted fusion"):
        load_combined(resources)


def test_shipped_combined_scores_spun_high_and_clean_low(combined, spun_text):
    clean, spun = combined.detect_batch([CLEAN, spun_text.spun])
    assert clean.score < 0.01 and not clean.spans
    assert spun.score > 0.5 and spun.spun


def test_shipped_combined_spans_are_exact_substitutions_with_both_reasons(combined, spun_text):
    (report,) = combined.detect_batch([spun_text.spun])
    gold = {(s.spun_start, s.spun_end): s.spun for s in spun_text.substitutions}
    found = {(p.start, p.end): p.text for p in report.spans}
    # "Weekday" for "Monday", "regime" for "government", "newsmans" for "reporters".
    assert {(47, 54), (64, 70), (134, 142)} <= set(found)
    assert all(gold[k] == found[k] for k in ((47, 54), (64, 70), (134, 142)))
    assert all(spun_text.spun[p.start : p.end] == p.text for p in report.spans)
    assert all("tagger" in p.reason and "corpus prefers" in p.reason for p in report.spans if (p.start, p.end) in gold)


def test_weak_spans_lie_under_the_word_threshold_and_off_the_reported_spans(combined, spun_text):
    weak_floor = 0.2
    with_weak = CombinedDetector(combined.tagger, combined.scorer, combined.fusion, combined.passage_threshold, weak_floor)
    (report,) = with_weak.detect_batch([spun_text.spun])
    (plain,) = CombinedDetector(combined.tagger, combined.scorer, combined.fusion, combined.passage_threshold).detect_batch([spun_text.spun])
    assert report.spans == plain.spans and not plain.weak_spans
    assert report.weak_spans
    for weak in report.weak_spans:
        assert weak_floor <= weak.score < combined.fusion.word_threshold
        assert spun_text.spun[weak.start : weak.end] == weak.text
        assert all(weak.end <= s.start or weak.start >= s.end for s in report.spans)


def test_shipped_combined_takes_its_weak_floor_from_the_cascade_settings(combined):
    assert combined.weak_threshold == TaggerConfig.from_pretrained(models_dir() / "detector").cascade.weak_threshold == 0.2


@pytest.fixture(scope="module")
def scores():
    """Document scores, each detector on each seed computed once (the tagger reads about 1,500 words/s)."""
    memo = {}

    def score(detector, text: str) -> float:
        key = (id(detector), text)
        if key not in memo:
            memo[key] = document_score(detector, text)
        return memo[key]

    return score


@pytest.mark.shared
def test_seed_scores_clean_seeds_low(tagger, combined, seed_text, scores):
    # Measured (MODEL_CARD.md): clean seeds 0.02-0.11 for both; the old 1:1 calibration gave 0.8-0.9.
    for clean in ("000", "001", "004"):
        assert scores(tagger, seed_text(clean)) < 0.15
        assert scores(combined, seed_text(clean)) < 0.15


@pytest.mark.shared
def test_seed_003_scores_high_with_the_combined_detector(tagger, combined, seed_text, scores):
    spun = seed_text("003")
    assert scores(combined, spun) > 0.9
    assert scores(tagger, spun) > max(scores(tagger, seed_text(c)) for c in ("000", "001", "004"))
