"""The shipped sentencepiece tokenizer: round trips, special ids, and training on a small sample."""
from __future__ import annotations

import random

import pytest

from repair.errors import ModelNotFoundError
from repair.paths import models_dir
from repair.tokenizer import Tokenizer, TokenizerConfig, sample_paragraphs, train_tokenizer


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer.load(models_dir())


@pytest.mark.parametrize(
    "text",
    [
        "Foreign Minister Wang Yi spoke by phone with his Kazakh counterpart on Monday.",
        "Profits rose 12.5 pct to 1,700 mln dlrs, the company said.",
        "Double  spaces,\ttabs and trailing space ",
        "Quotes “curly” and ‘single’ — dashes… and 中国 or emoji 😀",
        "",
    ],
)
def test_round_trip_is_exact(tokenizer, text):
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_special_ids_are_fixed(tokenizer):
    assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.bos_id, tokenizer.eos_id) == (0, 1, 2, 3)
    assert (tokenizer.mask_id, tokenizer.sep_id) == (4, 5)
    assert tokenizer.vocab_size == 16000


def test_common_words_are_single_pieces(tokenizer):
    assert tokenizer.pieces("the government said") == ["▁the", "▁government", "▁said"]


def test_digits_are_split(tokenizer):
    assert tokenizer.pieces("1987") == ["▁", "1", "9", "8", "7"]


def test_encode_batch_matches_encode(tokenizer):
    texts = ["said", "Tileuberdi", ","]
    assert tokenizer.encode_batch(texts) == [tokenizer.encode(t) for t in texts]


def test_missing_model_names_the_path(tmp_path):
    with pytest.raises(ModelNotFoundError, match=str(tmp_path)):
        Tokenizer.load(tmp_path)


def test_sample_is_seeded_and_bounded():
    pool = [f"paragraph {i}" for i in range(100)]
    assert sample_paragraphs(pool, 10, seed=1) == sample_paragraphs(pool, 10, seed=1)
    assert len(sample_paragraphs(pool, 10, seed=1)) == 10
    assert sample_paragraphs(pool[:5], 10, seed=1) == pool[:5]


def test_training_is_deterministic(tmp_path):
    vocab = "the minister said talks with country went well officials security foreign trade growth market shares rose fell percent company bank".split()
    rng = random.Random(0)
    paragraphs = [" ".join(rng.choice(vocab) for _ in range(30)) + "." for _ in range(300)]
    config = TokenizerConfig(vocab_size=300, seed=3, threads=1)
    first = train_tokenizer(paragraphs, tmp_path / "a", config)
    train_tokenizer(paragraphs, tmp_path / "b", config)
    assert (tmp_path / "a" / "spm.model").read_bytes() == (tmp_path / "b" / "spm.model").read_bytes()
    assert first.decode(first.encode(paragraphs[5])) == paragraphs[5]
