"""The trained detector: word/piece alignment, windows, spans, metrics, save/load, and the shipped model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from repair.paths import models_dir
from repair.results import DetectionReport, Span
from repair.detect.tagger import (
    FUSION_FEATURES,
    Fusion,
    PassageCalibrator,
    Tagger,
    TaggerSettings,
    build_model,
    encode_paragraphs,
    flagged_spans,
    fusion_features,
    fusion_from_dict,
    load_tagger,
    load_tagger_from,
    passage_features,
    save_tagger,
    shards,
    spm_codec,
    units,
)
from repair.tokenizer import Tokenizer
from repair.train.detector import (
    choose_gate,
    choose_word_threshold,
    evaluate_detector,
    fit_calibrator,
    passage_examples,
    prf,
    roc_auc,
    with_clean_copies,
    word_labels,
)

CLEAN = (
    "The foreign minister said on Monday that the government would increase security spending "
    "next year, and officials told reporters the country was ready to work with its neighbours."
)


@pytest.fixture(scope="module")
def codec():
    return spm_codec(Tokenizer.load(models_dir()))


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer.load(models_dir())


def test_units_keep_offsets_and_mark_words():
    text = "Wang Yi's call, on Monday—urgent."
    found = units(text)
    assert all(text[u.start : u.end] == u.text for u in found)
    assert [u.text for u in found if u.is_word] == ["Wang", "Yi's", "call", "on", "Monday", "urgent"]
    assert [u.text for u in found if not u.is_word] == [",", "—", "."]


def test_units_of_empty_text():
    assert units("") == []


def test_every_word_piece_decodes_back_to_its_word(codec, tokenizer):
    text = "Chinese Foreign Minister Wang Yi spoke with Mukhtar Tileuberdi, 1,700 km away."
    (window,) = encode_paragraphs([text], codec, max_pieces=256)[0]
    assert window.ids[0] == codec.begin_id and window.ids[-1] == codec.end_id
    for index, word in enumerate(window.words):
        pieces = [i for i, w in zip(window.ids, window.piece_word) if w == index]
        assert tokenizer.decode(pieces) == word.text
        assert text[word.start : word.end] == word.text


def test_punctuation_has_no_word_index_and_no_bare_boundary_piece(codec, tokenizer):
    (window,) = encode_paragraphs(["said, then"], codec, max_pieces=64)[0]
    assert len(window.ids) == 5  # <s> said , then </s>
    assert window.piece_word == (-1, 0, -1, 1, -1)
    assert tokenizer.decode([window.ids[2]]) == ","


def test_long_paragraph_is_cut_into_windows_at_word_boundaries(codec):
    text = " ".join(f"word{i}" for i in range(200))
    windows = encode_paragraphs([text], codec, max_pieces=64)[0]
    assert len(windows) > 1
    assert all(len(w.ids) <= 64 for w in windows)
    assert [u.text for w in windows for u in w.words] == text.split()


def test_empty_paragraph_gives_one_empty_window(codec):
    (window,) = encode_paragraphs([""], codec, max_pieces=64)[0]
    assert window.words == () and window.ids == (codec.begin_id, codec.end_id)


def test_word_labels_follow_substitution_offsets():
    text = "Chinese language Overseas Minister mentioned"
    words = [u for u in units(text) if u.is_word]
    subs = [{"spun_start": 0, "spun_end": 16}, {"spun_start": 35, "spun_end": 44}]
    assert word_labels(text, words, subs) == [1, 1, 0, 0, 1]


def test_adjacent_flagged_words_merge_into_one_span():
    text = "the Chinese language Overseas Minister"
    words = [u for u in units(text) if u.is_word]
    spans = flagged_spans(text, words, np.array([0.1, 0.9, 0.95, 0.2, 0.8]), threshold=0.5)
    assert [(s.text, s.score) for s in spans] == [("Chinese language", 0.95), ("Minister", 0.8)]
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert "0.95" in spans[0].reason


def test_groups_keep_a_phrase_whole_and_split_adjacent_substitutions():
    text = "to revaluation preparednesses for the Chinese language minister"
    words = [u for u in units(text) if u.is_word]
    probs = np.array([0.1, 0.9, 0.8, 0.1, 0.1, 0.9, 0.7, 0.1])
    # Words 5-6 are one lexicon phrase ("Chinese language"); every other word is its own group.
    groups = [-1, -2, -3, -4, -5, 0, 0, -8]
    spans = flagged_spans(text, words, probs, threshold=0.5, groups=groups)
    assert [s.text for s in spans] == ["revaluation", "preparednesses", "Chinese language"]
    assert [s.text for s in flagged_spans(text, words, probs, threshold=0.5)] == ["revaluation preparednesses", "Chinese language"]


@pytest.mark.parametrize(
    ("scores", "labels", "expected"),
    [([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75), ([0.5, 0.5], [0, 1], 0.5), ([0.9, 0.1], [1, 0], 1.0)],
)
def test_roc_auc(scores, labels, expected):
    assert roc_auc(scores, labels) == pytest.approx(expected)


def test_prf_counts():
    result = prf(np.array([0.9, 0.8, 0.2, 0.1]), np.array([1, 0, 1, 0]), 0.5)
    assert (result["tp"], result["fp"], result["fn"]) == (1, 1, 1)
    assert result["f1"] == pytest.approx(0.5)


def test_word_threshold_respects_clean_flag_rate():
    rows = [{"subs": [{}]}, {"subs": []}]
    preds = [(np.array([0.6, 0.95, 0.1]), np.array([1, 1, 0])), (np.array([0.7] + [0.0] * 99), np.zeros(100, int))]
    assert choose_word_threshold(preds, rows, max_clean_flag_rate=0.005) > 0.7


def test_passage_features_and_calibrator_are_monotone():
    calibrator = PassageCalibrator()
    low, high = np.full(40, 0.02), np.array([0.02] * 30 + [0.97] * 10)
    assert passage_features(np.zeros(0)).shape == (6,)
    assert calibrator.score(high) > calibrator.score(low)


def test_shards_stay_under_the_size_limit():
    state = {f"w{i}": torch.zeros(1000, dtype=torch.float16) for i in range(10)}
    groups = shards(state, max_bytes=4500)
    assert all(sum(t.numel() * 2 for t in g.values()) <= 4500 for g in groups)
    assert sorted(k for g in groups for k in g) == sorted(state)


def test_save_and_load_round_trip(tmp_path, codec):
    torch.manual_seed(0)
    config = dict(vocab_size=16000, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64, type_vocab_size=1)
    settings = TaggerSettings(word_threshold=0.7, max_pieces=64)
    tagger = Tagger(build_model(config), codec, settings, bf16=False)
    save_tagger(tagger.model, tmp_path / "detector", base="spm", model_config=config, settings=settings)
    loaded = load_tagger_from(tmp_path / "detector", models_dir())
    loaded.bf16 = False
    assert loaded.settings == settings
    (_, before), (_, after) = tagger.word_probs([CLEAN])[0], loaded.word_probs([CLEAN])[0]
    np.testing.assert_allclose(before, after, atol=2e-3)


def test_calibrator_prior_lowers_an_ambiguous_passage():
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(200), np.zeros(200)]
    features = np.column_stack([labels * 2 + rng.normal(0, 1.5, 400), rng.normal(0, 1, (400, 5))])
    even, rare = fit_calibrator(features, labels, prior=0.5), fit_calibrator(features, labels, prior=0.01)
    middle = np.array([1.0, 0, 0, 0, 0, 0])
    z = lambda c: float(np.dot(c.weights, middle)) + c.bias  # noqa: E731
    assert rare.prior == 0.01
    # Same evidence, 99:1 instead of 1:1 prior odds: about log(99) lower on the logit scale.
    assert z(even) - z(rare) == pytest.approx(np.log(99), abs=0.5)


def test_clean_copies_and_article_passages():
    rows = [
        {"id": "a#p0", "spun": "officials mentioned it", "clean": "officials said it", "subs": [{"spun_start": 10, "spun_end": 19}], "rate": 0.3},
        {"id": "a#p1", "spun": "the talks ended", "clean": "the talks ended", "subs": [], "rate": 0.0},
    ]
    extended = with_clean_copies(rows, limit=5, seed=0)
    assert [r["spun"] for r in extended[2:]] == ["officials said it"] and extended[2]["subs"] == []
    probs = [np.array([0.1, 0.9, 0.1]), np.array([0.1, 0.1, 0.1]), np.array([0.1, 0.1, 0.1])]
    features, labels = passage_examples(probs, extended)
    # Three rows, then article "a" (both of its rows, spun) and its clean copy alone is one row only.
    assert labels.tolist() == [1, 0, 0, 1]
    assert features.shape == (4, 6)


def test_fusion_features_mark_words_a_lexicon_phrase_covers():
    from repair.detect.lexicon import Analysis, Candidate, Scored, SpanVerdict

    text = "officials mentioned it"
    words = [u for u in units(text) if u.is_word]
    verdict = SpanVerdict(Scored(Candidate(1, 2, 10, 19, "mentioned", "said", 0.5), 3.0, (), 2.0), 0.8, 1.0)
    x = fusion_features(words, np.array([0.1, 0.7, 0.1]), Analysis((verdict,), 0.9, 0.9, 0.3, 3), (1.0, 0.5))
    assert x.shape == (3, len(FUSION_FEATURES))
    assert x[:, 3].tolist() == [0.0, 1.0, 0.0]
    assert x[1, 1] == pytest.approx(2.5) and x[1, 2] == pytest.approx(np.log(4))
    assert x[0, 0] == pytest.approx(np.log(0.1 / 0.9)) and x[:, 4].tolist() == [1.0, 1.0, 1.0]


def test_fusion_round_trips_through_a_dict():
    from dataclasses import asdict

    fusion = Fusion((1.0, 0.5, 0.2, 1.0, -2.0), 0.6, PassageCalibrator((1.0, 0, 0, 0, 0, 0), -3.0, 0.01))
    assert fusion_from_dict(asdict(fusion)) == fusion


class FixedSpans:
    """Reports a fixed span list per text (the metric logic under test, not a model)."""

    def __init__(self, spans):
        self.spans = spans

    def detect_batch(self, texts):
        return [DetectionReport(0.9 if self.spans.get(t) else 0.1, False, tuple(self.spans.get(t, ())), 0.5, len(t.split())) for t in texts]


def test_evaluate_detector_counts_words_by_span_overlap():
    spun, clean = "officials mentioned it on Monday", "the talks ended on time"
    rows = [
        {"spun": spun, "subs": [{"spun_start": 10, "spun_end": 19, "held_out": True}, {"spun_start": 23, "spun_end": 25}]},
        {"spun": clean, "subs": []},
    ]
    detector = FixedSpans({spun: [Span(10, 19, "mentioned", 0.9), Span(26, 32, "Monday", 0.8)]})
    result = evaluate_detector(detector, rows)
    assert (result["token"]["tp"], result["token"]["fp"], result["token"]["fn"]) == (1, 1, 1)
    assert result["clean_flagged_per_1000"] == 0.0 and result["clean_words"] == 5
    assert result["recall_by_type"]["held_out"]["recall"] == 1.0 and result["recall_by_type"]["seen"]["recall"] == 0.0
    assert result["passage_auc"] == 1.0


@pytest.fixture(scope="module")
def shipped():
    if not (models_dir() / "detector" / "config.json").is_file():
        pytest.skip("no trained detector in models/detector yet")
    return load_tagger(models_dir())


@pytest.fixture(scope="module")
def spun_text():
    from repair.synth.spin import SpinConfig, Spinner
    from repair.resources.thesaurus import Thesaurus

    return Spinner(Thesaurus.load(), SpinConfig(rate=0.45)).spin(CLEAN, seed=3)


@pytest.fixture(scope="module")
def combined(shipped):
    from repair.detect.tagger import load_combined

    return load_combined(models_dir())


def test_shipped_tagger_scores_clean_low_and_spun_higher(shipped, spun_text):
    clean, spun = shipped.detect_batch([CLEAN, spun_text.spun])
    assert spun_text.substitutions
    # Calibrated at a 1% spun prior: clean news is well under 0.1. The tagger alone is
    # under-trained (models/detector/MODEL_CARD.md), so only its order is asserted on spun text.
    assert clean.score < 0.01 and not clean.spans
    assert spun.score > clean.score
    assert spun.words == len(spun_text.spun.split())


def test_shipped_tagger_span_offsets_match_the_text(shipped, spun_text):
    (report,) = shipped.detect_batch([spun_text.spun])
    assert all(spun_text.spun[p.start : p.end] == p.text and "tagger" in p.reason for p in report.spans)


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


def test_load_detector_builds_each_kind():
    from repair.detect.lexicon import LexiconDetector, load_detector
    from repair.detect.tagger import CascadeDetector, CombinedDetector

    if not (models_dir() / "detector" / "config.json").is_file():
        pytest.skip("no trained detector in models/detector yet")
    assert isinstance(load_detector(models_dir(), "tagger"), Tagger)
    assert isinstance(load_detector(models_dir(), "combined"), CombinedDetector)
    assert isinstance(load_detector(models_dir(), "cascade"), CascadeDetector)
    assert isinstance(load_detector(models_dir()), CascadeDetector)  # the default
    assert isinstance(load_detector(models_dir(), "lexicon"), LexiconDetector)
    with pytest.raises(ValueError, match="unknown detector 'bert'"):
        load_detector(models_dir(), "bert")


def test_gate_lets_at_most_the_allowed_share_of_clean_words_through():
    scores, words = [0.5, 0.2, 0.01, 0.001, 0.0], [10, 10, 30, 40, 10]
    gate = choose_gate(scores, words, max_share=0.25)
    # 0.5 and 0.2 pass (20 of 100 words); letting 0.01 through too would make it 50.
    assert 0.01 < gate <= 0.2
    assert sum(w for s, w in zip(scores, words) if s >= gate) == 20
    assert choose_gate(scores, words, max_share=1.0) == 0.0
    # Ties go together: a gate cannot pass half of several paragraphs with the same score.
    assert choose_gate([0.3, 0.3, 0.1], [10, 10, 10], max_share=0.4) > 0.3


def test_join_keeps_lexicon_spans_no_fused_span_covers_and_the_higher_score():
    from repair.detect.tagger import join_reports

    text = "the overseas minister mentioned safety"
    fused = DetectionReport(0.4, False, (Span(4, 12, "overseas", 0.9, "combined"),), 0.5, 5,
                            weak_spans=(Span(32, 38, "safety", 0.3, "combined"),))
    lexicon = DetectionReport(0.8, True, (Span(4, 21, "overseas minister", 0.7, "lexicon"), Span(22, 31, "mentioned", 0.6, "lexicon"),
                                          Span(32, 38, "safety", 0.55, "lexicon")), 0.5, 5)
    joined = join_reports(fused, lexicon)
    # "overseas minister" overlaps the fused "overseas": the fused span wins.
    assert [text[s.start : s.end] for s in joined.spans] == ["overseas", "mentioned", "safety"]
    assert joined.weak_spans == ()  # "safety" is reported now, so it is no longer weak
    assert joined.score == 0.8 and joined.spun
    quiet = DetectionReport(0.001, False, (), 0.5, 5)
    assert join_reports(fused, quiet) == fused


@pytest.fixture(scope="module")
def cascade(combined):
    from repair.detect.tagger import load_cascade

    return load_cascade(models_dir())


def test_cascade_keeps_the_lexicon_report_under_the_gate_and_fuses_above(cascade, combined, spun_text):
    from repair.detect.lexicon import LexiconDetector

    lexicon = LexiconDetector(cascade.scorer)
    clean_cascade, spun_cascade = cascade.detect_batch([CLEAN, spun_text.spun])
    clean_lexicon, spun_lexicon = lexicon.detect_batch([CLEAN, spun_text.spun])
    assert clean_lexicon.score < cascade.settings.gate and clean_cascade == clean_lexicon
    assert spun_lexicon.score >= cascade.settings.gate
    fused = combined.detect_batch([spun_text.spun])[0]
    assert spun_cascade.score == max(fused.score, spun_lexicon.score) and set(fused.spans) <= set(spun_cascade.spans)
    extra = set(spun_cascade.spans) - set(fused.spans)
    assert extra <= set(spun_lexicon.spans)  # the lexicon spans no fused span covers
    assert spun_cascade.spun and any(s.reason.startswith("combined") for s in spun_cascade.spans)


def test_weak_spans_lie_under_the_word_threshold_and_off_the_reported_spans(combined, spun_text):
    from repair.detect.tagger import CombinedDetector

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


def test_shipped_model_handles_empty_and_batch(shipped):
    reports = shipped.detect_batch(["", CLEAN, CLEAN])
    assert reports[0].score == 0.0 and reports[0].words == 0
    assert reports[1] == reports[2]


def test_shipped_calibrators_are_fitted_at_a_low_prior(shipped, combined):
    assert shipped.settings.calibrator.prior == combined.fusion.calibrator.prior == 0.01


def document_score(detector, text: str) -> float:
    from repair.pipeline.repairer import combine_reports
    from repair.text import paragraphs

    segments = paragraphs(text)
    return combine_reports(detector.detect_batch([s.text for s in segments]), segments, 0.5).score


@pytest.mark.shared
def test_seed_scores_clean_seeds_low(shipped, combined, seed_text):
    # Measured (MODEL_CARD.md): clean seeds 0.02-0.11 for both; the old 1:1 calibration gave 0.8-0.9.
    for clean in ("000", "001", "004"):
        assert document_score(shipped, seed_text(clean)) < 0.15
        assert document_score(combined, seed_text(clean)) < 0.15


@pytest.mark.shared
def test_cascade_scores_clean_seeds_under_a_tenth_and_003_over_nine_tenths(cascade, seed_text):
    # Issue #4's seed bar, met by the cascade (models/detector/MODEL_CARD.md): 0.044 / 0.051 / 0.094 and 1.000.
    for clean in ("000", "001", "004"):
        assert document_score(cascade, seed_text(clean)) < 0.1
    assert document_score(cascade, seed_text("003")) > 0.9


@pytest.mark.shared
def test_seed_003_scores_high_with_the_combined_detector(shipped, combined, seed_text):
    spun = seed_text("003")
    assert document_score(combined, spun) > 0.9
    assert document_score(shipped, spun) > max(document_score(shipped, seed_text(c)) for c in ("000", "001", "004"))
