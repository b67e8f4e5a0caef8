"""The trained detector: word/piece alignment, windows, spans, metrics, save/load, and the shipped model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from repair.paths import models_dir
from repair.tagger import (
    PassageCalibrator,
    Tagger,
    TaggerSettings,
    build_model,
    encode_paragraphs,
    flagged_spans,
    load_tagger,
    load_tagger_from,
    passage_features,
    save_tagger,
    shards,
    spm_codec,
    units,
)
from repair.tokenizer import Tokenizer
from repair.train_detector import choose_word_threshold, prf, roc_auc, word_labels

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


@pytest.fixture(scope="module")
def shipped():
    if not (models_dir() / "detector" / "config.json").is_file():
        pytest.skip("no trained detector in models/detector yet")
    return load_tagger(models_dir())


@pytest.fixture(scope="module")
def spun_text():
    from repair.spin import SpinConfig, Spinner
    from repair.thesaurus import Thesaurus

    return Spinner(Thesaurus.load(), SpinConfig(rate=0.45)).spin(CLEAN, seed=3)


def test_shipped_model_scores_spun_high_and_clean_low(shipped, spun_text):
    clean, spun = shipped.detect_batch([CLEAN, spun_text.spun])
    assert spun_text.substitutions
    # The shipped model is under-trained (see models/detector/MODEL_CARD.md): only the order is asserted.
    assert spun.score > clean.score
    assert spun.words == len(spun_text.spun.split())


def test_shipped_model_span_offsets_match_the_text(shipped, spun_text):
    # The shipped tagger is under-trained (see models/detector/MODEL_CARD.md): only offsets are checked here.
    (report,) = shipped.detect_batch([spun_text.spun])
    assert all(spun_text.spun[p.start : p.end] == p.text for p in report.spans)


def test_shipped_model_handles_empty_and_batch(shipped):
    reports = shipped.detect_batch(["", CLEAN, CLEAN])
    assert reports[0].score == 0.0 and reports[0].words == 0
    assert reports[1] == reports[2]


@pytest.mark.shared
def test_seed_003_scores_above_every_clean_seed(shipped, seed_text):
    from repair.pipeline import combine_reports
    from repair.text import paragraphs

    def score(text):
        segments = paragraphs(text)
        return combine_reports(shipped.detect_batch([s.text for s in segments]), segments, 0.5).score

    spun = score(seed_text("003"))
    assert spun > 0.9
    for clean in ("000", "001", "004"):
        assert score(seed_text(clean)) < spun
