"""Lexicon detector: candidate originals scored by corpus n-grams, calibrated to probabilities."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from repair.detect.lexicon import FEATURES, Calibration, LexiconConfig, fit_logistic, logit, spin_posterior
from repair.paths import models_dir

from tests.samples import CLEAN, SPUN  # noqa: E402  (the shared spun/clean pair)
CLEAN_SEEDS = ("000", "001", "004")


def flagged(report) -> set[str]:
    return {span.text.lower() for span in report.spans}


PRIOR = (1.5, 6.0, 0.01)


def test_posterior_stays_clean_without_evidence():
    p_spun, _, probs = spin_posterior(np.full(40, -3.0), PRIOR)
    assert p_spun < 0.01
    assert probs.max() < 0.01


def test_one_strong_phrase_is_not_enough():
    p_spun, _, probs = spin_posterior(np.r_[4.0, np.full(39, -3.0)], PRIOR)
    assert p_spun < 0.5 and probs[0] < 0.5


def test_posterior_rises_with_many_strong_phrases():
    llr = np.array([4.0] * 12 + [-3.0] * 28)
    p_spun, rate, probs = spin_posterior(llr, PRIOR)
    assert p_spun > 0.99
    assert 0.2 < rate < 0.45
    assert probs[:12].min() > 0.9 and probs[12:].max() < 0.2


def test_weak_evidence_counts_once_the_paragraph_is_spun():
    strong = [4.0] * 12
    alone, _, _ = spin_posterior(np.r_[1.0, np.full(39, -3.0)], PRIOR)
    _, _, probs = spin_posterior(np.r_[strong, 1.0, np.full(27, -3.0)], PRIOR)
    assert probs[12] > 0.5 > alone


def test_posterior_empty():
    p_spun, rate, probs = spin_posterior(np.array([]), PRIOR)
    assert p_spun == pytest.approx(0.01) and 0 < rate < 0.5 and len(probs) == 0


def test_fit_logistic_separates():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 1))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0.5).astype(float)
    w = fit_logistic(np.column_stack([x, np.ones(400)]), y)
    assert w[0] > 2 and w[1] < 0


def test_logit_is_finite_at_the_edges():
    assert np.isfinite(logit(0.0)) and np.isfinite(logit(1.0))
    assert logit(0.5) == pytest.approx(0.0)


def test_calibration_defaults_when_file_absent(tmp_path):
    assert Calibration.load(tmp_path) == Calibration()


def test_shipped_calibration_matches_features_and_config():
    """The weights were fitted for exactly these features and candidate settings."""
    path = models_dir() / "ngram" / "calibration.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert len(Calibration.load(path.parent).candidate) == len(FEATURES)
    config = LexiconConfig()
    assert data["config"] == {"max_candidates": config.max_candidates, "sources": list(config.sources)}


def test_empty_inputs(lexicon):
    assert lexicon.detect_batch([]) == []
    (report,) = lexicon.detect_batch([""])
    assert report.spans == () and report.words == 0 and report.score < 0.5


def test_spun_sentence_flags_the_substitutions(lexicon):
    spun, clean = lexicon.detect_batch([SPUN, CLEAN])
    assert {"overseas", "mentioned", "safety", "in opposition to", "will probably be", "subsequent"} <= flagged(spun)
    assert spun.score > 0.9 and spun.spun
    assert flagged(clean) == set()
    assert clean.score < 0.5 and not clean.spun


def test_spans_point_into_the_paragraph_with_reasons(lexicon):
    (report,) = lexicon.detect_batch([SPUN])
    for span in report.spans:
        assert SPUN[span.start : span.end] == span.text
        assert 0.0 <= span.score <= 1.0
        assert "corpus prefers" in span.reason
    overseas = next(s for s in report.spans if s.text == "overseas")
    assert "'foreign'" in overseas.reason


def test_one_odd_word_in_clean_text_is_not_enough(lexicon):
    """A lone unusual choice ("remained" where the corpus says "was") does not make text spun."""
    (report,) = lexicon.detect_batch([CLEAN])
    assert report.score < 0.1


def test_scores_are_probabilities(lexicon):
    reports = lexicon.detect_batch([SPUN, CLEAN, "Hello.", "12 34 56"])
    assert all(0.0 <= r.score <= 1.0 for r in reports)


@pytest.mark.shared
def test_seed_003_scores_above_every_clean_seed(lexicon, seed_text):
    def document_score(text: str) -> float:
        paragraphs = [p for p in text.split("\n") if p.strip()]
        return max(r.score for r in lexicon.detect_batch(paragraphs))

    spun = document_score(seed_text("003"))
    clean = {prefix: document_score(seed_text(prefix)) for prefix in CLEAN_SEEDS}
    assert spun > 0.9
    assert all(spun > score for score in clean.values()), clean


@pytest.mark.shared
def test_seed_003_flags_many_spans(lexicon, seed_text):
    paragraphs = [p for p in seed_text("003").split("\n") if p.strip()]
    reports = lexicon.detect_batch(paragraphs)
    texts = [s.text.lower() for r in reports for s in r.spans]
    assert len(texts) >= 40
    assert {"overseas", "in opposition to", "safety"} <= set(texts)


@pytest.mark.shared
def test_clean_news_is_rarely_flagged(lexicon, test_corpus_path):
    """At most about one flagged word per 1,000 on held-out clean news."""
    paragraphs = []
    with gzip.open(test_corpus_path, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if n >= 40:
                break
            paragraphs.extend(p for p in json.loads(line)["text"].split("\n") if p.strip())
    reports = lexicon.detect_batch(paragraphs)
    words = sum(r.words for r in reports)
    flags = sum(len(r.spans) for r in reports)
    assert words > 10_000
    assert flags / words <= 1.5 / 1000


def test_weak_spans_sit_below_the_reported_ones_and_are_never_reported(lexicon):
    report = lexicon.detect_batch([SPUN])[0]
    threshold, floor = lexicon.config.span_threshold, lexicon.config.weak_span_threshold
    assert report.weak_spans, "the spun paragraph has suspects below the reporting threshold"
    assert all(floor <= s.score < threshold for s in report.weak_spans)
    assert all(s.score >= threshold for s in report.spans)
    assert not {(s.start, s.end) for s in report.spans} & {(s.start, s.end) for s in report.weak_spans}
    assert "weak_spans" not in report.to_dict()
    assert len(report.to_dict()["spans"]) == len(report.spans)


def test_batched_scoring_equals_one_paragraph_at_a_time(lexicon):
    """score_batch shares the model's calls across paragraphs; every number stays as for the paragraph alone."""
    paragraphs = [SPUN, "", CLEAN, "Hello.", ", , .", SPUN.upper(), CLEAN]
    batched = lexicon.scorer.score_batch(paragraphs)
    for paragraph, together in zip(paragraphs, batched):
        alone = lexicon.scorer.score_batch([paragraph])[0]
        assert together.replacements == alone.replacements and together.words == alone.words
        for name in ("first", "last", "start", "end", "priors", "gains", "features"):
            assert np.array_equal(getattr(together, name), getattr(alone, name)), name
    assert [a.score for a in lexicon.scorer.analyse_batch(paragraphs)] == [lexicon.scorer.analyse(p).score for p in paragraphs]


def test_word_pairs_the_thesaurus_cannot_know_are_ruled_out(lexicon):
    source = lexicon.scorer.source
    assert source.may_have_originals("mentioned")  # single words are always looked up
    assert not source.may_have_originals("seven purple giraffes") and source.originals("seven purple giraffes") == []
    known = next(iter(source.thesaurus.inverse_phrases))
    assert source.may_have_originals(known)
