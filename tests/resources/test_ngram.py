"""Corpus n-gram statistics: tokens, count codes, hashing, counting, smoothing, the shipped model."""
from __future__ import annotations

import numpy as np
import pytest

from repair.errors import ModelNotFoundError
from repair.resources.ngram import (
    BOS,
    UNK,
    NgramModel,
    decode_table,
    encode_counts,
    hash_keys,
    lookup,
    prune_vocab,
    tokenize,
)
from repair.text import ngram_tokens
from repair.paths import models_dir

TOY = [
    "The foreign minister said on Monday that talks would continue.",
    "The foreign minister said the security forces were ready.",
    "Security forces said the foreign minister had left.",
    "Officials said the security situation was calm.",
]


@pytest.fixture(scope="module")
def toy() -> NgramModel:
    return NgramModel.build(TOY, min_word=1, min_bigram=1, min_trigram=1)


@pytest.fixture(scope="module")
def shipped() -> NgramModel:
    return NgramModel.load(models_dir())  # committed: failing to load is a failure, not a skip


def test_queries_use_the_tokenizer_the_counts_were_built_with():
    assert tokenize is ngram_tokens  # its cases are in tests/text/test_tokens.py
    model = NgramModel.build(["U.S. troops left, he said!"], min_word=1)
    assert set(model.vocab[2:]) == {"u.s.", "troops", "left", ",", "he", "said", "."}
    assert model.count(["u.s.", "troops"]) == 1 and model.count(["troops", "left", ","]) == 0  # trigrams need 2


def test_count_codes_exact_when_small_and_close_when_large():
    counts = np.array([0, 1, 2, 127, 128, 1000, 50_000, 600_000])
    decoded = decode_table()[encode_counts(counts)]
    assert list(decoded[:4]) == [0, 1, 2, 127]
    assert np.all(np.abs(decoded[4:] - counts[4:]) / counts[4:] < 0.04)


def test_hash_keys_are_deterministic_uint32():
    keys = np.array([0, 1, 2**40 + 7], dtype=np.uint64)
    hashed = hash_keys(keys)
    assert hashed.dtype == np.uint32
    assert list(hashed) == list(hash_keys(keys.copy()))
    assert len(set(hashed.tolist())) == 3


def test_lookup_missing_is_zero():
    keys = np.array([3, 9, 20], dtype=np.uint32)
    values = np.array([1, 2, 3], dtype=np.uint8)
    assert list(lookup(keys, values, np.array([9, 4, 25, 3], dtype=np.uint32))) == [2, 0, 0, 1]
    assert list(lookup(keys[:0], values[:0], np.array([1], dtype=np.uint32))) == [0]


def test_prune_vocab_maps_rare_words_to_unk_and_keeps_bos():
    ids = np.array([BOS, 2, 3, 3, 4, BOS, 3])
    pruned, vocab = prune_vocab(ids, ["<unk>", "<s>", "a", "b", "c"], min_word=2)
    assert vocab == ["<unk>", "<s>", "b"]
    assert list(pruned) == [BOS, UNK, 2, 2, UNK, BOS, 2]


def test_toy_counts(toy):
    assert toy.count(["foreign", "minister"]) == 3
    assert toy.count(["minister", "said"]) == 2
    assert toy.count(["security", "forces", "said"]) == 1
    assert toy.count(["overseas", "minister"]) == 0
    assert toy.count(["said"]) == 4


def test_toy_prefers_seen_continuation(toy):
    ids = toy.encode(["the", "foreign", "minister"])
    spun = toy.encode(["the", "foreign", "forces"])
    assert toy.sequence_logprob(ids).sum() > toy.sequence_logprob(spun).sum()


def test_probabilities_are_normalised_enough(toy):
    """Witten-Bell mass over the vocabulary after a seen bigram sums to about one."""
    v = len(toy.vocab)
    u = np.full(v, toy.ids["the"])
    w = np.arange(v)
    total = np.exp(toy.logprob(u, np.full(v, toy.ids["foreign"]), w)).sum()
    assert 0.9 < total < 1.1


def test_save_and_load_roundtrip(toy, tmp_path):
    toy.save(tmp_path / "ngram")
    loaded = NgramModel.load(tmp_path)
    assert loaded.vocab == toy.vocab
    assert loaded.count(["foreign", "minister"]) == 3


def test_load_missing_names_the_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="ngram"):
        NgramModel.load(tmp_path)


def test_shipped_model_prefers_canonical_collocations(shipped):
    def score(text: str) -> float:
        return float(shipped.sequence_logprob(shipped.encode(text.split())).sum())

    assert score("the foreign minister said") > score("the overseas minister said") + 3
    assert score("security forces opened fire") > score("safety forces opened fire") + 3
    assert score("a year ago") > score("a 12 months in the past")


def test_shipped_model_size(shipped):
    folder = models_dir() / "ngram"
    sizes = [p.stat().st_size for p in folder.iterdir()]
    assert max(sizes) < 15 * 2**20
    assert sum(sizes) < 20 * 2**20


def test_token_logprobs_align_with_tokens(toy):
    pairs = toy.token_logprobs("The foreign minister said.")
    assert [t.text for t, _ in pairs] == ["The", "foreign", "minister", "said", "."]
    assert all(lp < 0 for _, lp in pairs)
    assert toy.token_logprobs("") == []


def test_spun_word_is_more_surprising(shipped):
    clean = dict((t.text, lp) for t, lp in shipped.token_logprobs("the foreign minister said"))
    spun = dict((t.text, lp) for t, lp in shipped.token_logprobs("the overseas minister said"))
    assert spun["minister"] < clean["minister"] - 2


def test_fill_logprobs_match_the_sequence_score_and_rank_fills(toy):
    text = "The foreign minister stated on Monday that talks would continue."
    start = text.index("stated")
    said, stated, two_words = toy.fill_logprobs(text, start, start + len("stated"), ["said", "stated", "said that"])
    # the same window scored by hand: two words of history, the fill, two words after it
    seq = toy.encode(["foreign", "minister", "said", "on", "monday"])
    assert said == pytest.approx(float(toy.logprob(seq[:-2], seq[1:-1], seq[2:]).sum()))
    assert said > stated and said > two_words
    # at the start of a text the history is padded with BOS
    (first,) = toy.fill_logprobs("Officials said the security situation was calm.", 0, 9, ["officials"])
    seq = np.concatenate([[BOS, BOS], toy.encode(["officials", "said", "the"])])
    assert first == pytest.approx(float(toy.logprob(seq[:-2], seq[1:-1], seq[2:]).sum()))


def test_shipped_fill_logprobs_prefer_the_canonical_word(shipped):
    text = "Prices rose sharply final year, the statistics office reported."
    start = text.index("final")
    last, final = shipped.fill_logprobs(text, start, start + len("final"), ["last", "final"])
    assert last > final + 2.0
