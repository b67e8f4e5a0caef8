"""Tests for the masked-word model (repair.restore.mlm) and its training (repair.train.mlm)."""
from __future__ import annotations

import gzip
import json
import math
import random

import pytest

from repair.errors import ModelNotFoundError
from repair.restore.mlm import MaskedSlot, MaskedWordScorer, MlmConfig
from repair.train.mlm import MlmTrainConfig, mask_window, schedule, split_words, train_mlm, words_of


def slot(text: str, needle: str) -> MaskedSlot:
    start = text.index(needle)
    return MaskedSlot(text, start, start + len(needle))


# ---------------------------------------------------------------- training data (pure functions)


def test_words_of_groups_pieces_by_word():
    assert words_of([10, 11, 12, 13], [0, 0, 1, 2]) == [[10, 11], [12], [13]]


def test_split_words_keeps_words_whole_and_drops_short_tails():
    words = [[1], [2, 3], [4], [5, 6, 7], [8], [9], [10], [11]]
    windows = list(split_words(words, room=4))
    assert windows[0] == [[1], [2, 3], [4]]
    assert all(sum(len(w) for w in window) <= 4 for window in windows)
    assert [[1], [2, 3]] not in windows
    # every kept piece appears exactly once, in order, and no word is cut
    flat = [p for window in windows for word in window for p in word]
    assert flat == sorted(flat)


def test_mask_window_masks_whole_words_only():
    words = [[1], [2, 3, 4], [5], [6], [7], [8], [9]]
    rng = random.Random(0)
    for _ in range(20):
        ids, positions, targets = mask_window(words, 0.3, 99, rng)
        assert len(ids) == 9
        assert [ids[p] for p in positions] == [99] * len(positions)
        truth = [p for w in words for p in w]
        assert [truth[p] for p in positions] == targets
        # a word is masked all or nothing: 2, 3, 4 go together
        masked = {truth[p] for p in positions}
        assert {2, 3, 4} <= masked or not ({2, 3, 4} & masked)


def test_schedule_warms_up_then_decays_on_the_further_clock():
    config = MlmTrainConfig(max_steps=1000, max_minutes=10.0, warmup_steps=10)
    assert schedule(0, 0.0, config) == pytest.approx(0.1)
    assert schedule(10, 0.0, config) == pytest.approx(1.0, abs=1e-3)
    assert schedule(100, 5.0, config) == pytest.approx(0.5)  # half of the minutes
    assert schedule(900, 1.0, config) < 0.03  # the step clock is further along
    assert schedule(2000, 20.0, config) == 0.0


def test_config_round_trips():
    config = MlmConfig(trained_layers=1, weight_files=("a.safetensors",), trained_prefixes=("x.",))
    assert MlmConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="unspin train mlm"):
        MaskedWordScorer.load(tmp_path)


# ---------------------------------------------------------------- a real (tiny) training run


def write_corpus(path, articles: int = 40) -> None:
    sentences = [
        "The minister said on Monday that the talks would continue next week.",
        "Shares in the company rose after it reported a higher profit for the year.",
        "The central bank left interest rates unchanged, the spokesman said.",
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i in range(articles):
            text = "\n".join(sentences[(i + k) % 3] for k in range(3))
            handle.write(json.dumps({"id": f"test/{i}", "source": "test", "title": None, "text": text}) + "\n")


def test_training_round_trip_writes_small_loadable_shards(tmp_path):
    corpus = tmp_path / "news.jsonl.gz"
    write_corpus(corpus)
    out = tmp_path / "models" / "mlm"
    config = MlmTrainConfig(max_steps=30, max_minutes=5.0, batch_windows=8, eval_windows=16, warmup_steps=2, lr=1e-3, threads=1)
    metrics = train_mlm(corpus, out, tmp_path / "run", config, log=lambda _: None)
    assert metrics["steps"] == 30
    assert metrics["held_out_after"]["loss"] < metrics["held_out_before"]["loss"] - 1.0  # it learns
    assert all((out / name).stat().st_size < 15_000_000 for name in metrics["weight_files"])
    scorer = MaskedWordScorer.load(tmp_path / "models")
    text = "The minister said on Monday that the talks would continue next week."
    known: dict = {}
    (fills,) = scorer.proposals([slot(text, "said")], top=5, known=known)
    (scores,) = scorer.score([slot(text, "said")], [["said", "reported", "interest rates", "a b c d e f"]], known)
    assert all(f.isalpha() and f == f.lower() for f in fills)
    assert math.isfinite(scores[0]) and math.isfinite(scores[2]) and scores[3] == float("-inf")
    assert scores[0] > scores[1]  # the tiny corpus says "said" far more often than "reported"
    (alone,) = scorer.score([slot(text, "said")], [["said", "reported", "interest rates", "a b c d e f"]])
    assert alone[:3] == pytest.approx(scores[:3], abs=1e-4)  # rows shared with proposals change nothing
