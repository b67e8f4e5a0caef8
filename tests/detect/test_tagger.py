"""The word tagger: units, WordPiece windows, flagged spans, its folder on disk, and the shipped model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from repair.detect.config import TaggerConfig
from repair.detect.tagger import Tagger, encode_paragraphs, flagged_spans, minilm_codec, save_tagger, units
from repair.errors import ModelNotFoundError
from repair.modeling.config import ConfigError
from repair.paths import models_dir
from tests.detect.samples import CLEAN

SHIPPED = models_dir() / "detector"


@pytest.fixture(scope="module")
def codec():
    return minilm_codec()


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from repair.modeling.pretrained import minilm_folder

    return AutoTokenizer.from_pretrained(str(minilm_folder()))


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
        assert tokenizer.decode(pieces) == word.text.lower()  # the MiniLM vocabulary is uncased
        assert text[word.start : word.end] == word.text


def test_punctuation_has_no_word_index(codec, tokenizer):
    (window,) = encode_paragraphs(["said, then"], codec, max_pieces=64)[0]
    assert len(window.ids) == 5  # [CLS] said , then [SEP]
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


def test_a_folder_without_a_config_is_a_missing_model(tmp_path):
    with pytest.raises(ModelNotFoundError, match="config.json"):
        Tagger.from_pretrained(tmp_path)


def test_a_base_other_than_minilm_is_refused(tmp_path):
    TaggerConfig(base="spm").save_pretrained(tmp_path)
    with pytest.raises(ConfigError, match="'spm'.*minilm"):
        Tagger.from_pretrained(tmp_path)


def test_save_tagger_writes_the_shipped_folder_back_bit_for_bit(tagger, tmp_path):
    """Only the trained tensors, in fp16, in the shared weights layout; the same bytes of config."""
    config = TaggerConfig.from_pretrained(SHIPPED)
    save_tagger(tagger.model, tmp_path, config)
    assert (tmp_path / "config.json").read_bytes() == (SHIPPED / "config.json").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    written, shipped = load_file(str(tmp_path / "model.safetensors")), load_file(str(SHIPPED / "model.safetensors"))
    assert written.keys() == shipped.keys()
    assert not any(k.startswith(config.frozen) for k in written)
    assert all(written[k].dtype == torch.float16 and torch.equal(written[k], shipped[k]) for k in shipped)
    reloaded = Tagger.from_pretrained(tmp_path, bf16=tagger.bf16)
    np.testing.assert_array_equal(reloaded.word_probs([CLEAN])[0][1], tagger.word_probs([CLEAN])[0][1])


def test_shipped_tagger_scores_clean_low_and_spun_higher(tagger, spun_text):
    clean, spun = tagger.detect_batch([CLEAN, spun_text.spun])
    assert spun_text.substitutions
    # Calibrated at a 1% spun prior: clean news is well under 0.1. The tagger alone is
    # under-trained (models/detector/MODEL_CARD.md), so only its order is asserted on spun text.
    assert clean.score < 0.01 and not clean.spans
    assert spun.score > clean.score
    assert spun.words == len(spun_text.spun.split())


def test_shipped_tagger_span_offsets_match_the_text(tagger, spun_text):
    (report,) = tagger.detect_batch([spun_text.spun])
    assert all(spun_text.spun[p.start : p.end] == p.text and "tagger" in p.reason for p in report.spans)


def test_shipped_tagger_handles_empty_and_batch(tagger):
    reports = tagger.detect_batch(["", CLEAN, CLEAN])
    assert reports[0].score == 0.0 and reports[0].words == 0
    assert reports[1] == reports[2]


def test_shipped_calibrators_are_fitted_at_a_low_prior(tagger, combined):
    assert tagger.settings.calibrator.prior == combined.fusion.calibrator.prior == 0.01
