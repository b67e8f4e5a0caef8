"""Several places of one text scored with one read of it (repair.lm.slots) give score_candidates' numbers."""
from __future__ import annotations

import dataclasses

import pytest

from repair.lm import LanguageModel
from repair.lm import scorer as scorer_module
from repair.lm.slots import Slot, score_slots

# The language model is not in the default pipeline; its tests run with -m slow (CI does).
pytestmark = pytest.mark.slow

TEXT = ("The foreign minister mentioned on Monday that talks would continue. Police said safety forces "
        "had been deployed after the protest, and the (nation's) capital stayed calm.")


def slot(word: str, *candidates: str) -> Slot:
    start = TEXT.index(word)
    return Slot(start, start + len(word), (word, *candidates))


# The first word (nothing before it but the start token), words mid-sentence, a word after "("
# and the last word with its full stop: every kind of cut in the cache.
SLOTS = [slot("mentioned", "said", "stated"), slot("safety", "security"), slot("nation", "country"),
         slot("The", "A"), slot("calm.", "quiet.")]


def assert_same_scores(got, slots, lm, right_words):
    for place, row in zip(slots, got):
        expected = lm.score_candidates(TEXT[:place.start], place.candidates, TEXT[place.end:], right_words)
        assert [s.text for s in row] == list(place.candidates)
        for a, b in zip(row, expected):
            assert a.pieces == b.pieces
            assert a.logprob == pytest.approx(b.logprob, abs=1e-3)
            assert a.candidate_logprob == pytest.approx(b.candidate_logprob, abs=1e-3)


@pytest.mark.parametrize("right_words", [0, 3])
def test_one_read_gives_each_place_its_own_scores(lm, right_words):
    assert_same_scores(score_slots(lm, TEXT, SLOTS, right_words), SLOTS, lm, right_words)


def test_small_batches_cut_the_cache_per_batch(lm, monkeypatch):
    # One candidate per batch: every batch copies the cache and cuts it at its own place.
    monkeypatch.setattr(scorer_module, "CACHE_BUDGET", 1)
    assert_same_scores(score_slots(lm, TEXT, SLOTS, 3), SLOTS, lm, 3)


def test_a_place_glued_to_the_word_before_is_scored_alone(lm):
    # "nation" inside "(nation's)" cut after "na": BPE merges across the cut, so the whole text's
    # pieces do not start with the left context's, and the place falls back to score_candidates.
    start = TEXT.index("nation") + 2
    place = Slot(start, start + 4, ("tion", "ture"))
    (row,) = score_slots(lm, TEXT, [place], 2)
    expected = lm.score_candidates(TEXT[:start], place.candidates, TEXT[start + 4:], 2)
    assert [s.logprob for s in row] == pytest.approx([s.logprob for s in expected], abs=1e-3)


def test_the_original_wins_in_its_place(lm):
    mentioned, safety = score_slots(lm, TEXT, [slot("mentioned", "said"), slot("safety", "security")], 3)
    assert mentioned[1].logprob > mentioned[0].logprob  # "said" over "mentioned"
    assert safety[1].logprob > safety[0].logprob  # "security forces" over "safety forces"


def test_no_slots_and_no_candidates(lm):
    assert score_slots(lm, TEXT, []) == []
    assert score_slots(lm, TEXT, [Slot(4, 11, ())]) == [[]]


def test_batched_output_head_gives_the_per_row_numbers(lm):
    # continuation_logprobs runs the head over all pairs' states at once; one pair at a time it
    # must give the same numbers.
    pairs = [("The foreign minister ", "said on Monday"), ("Police said ", "safety forces"), ("", "The minister")]
    together = lm.continuation_logprobs(pairs)
    alone = [LanguageModel(lm.model, lm.tokenizer, dataclasses.replace(lm.config, candidate_batch_size=1)).continuation_logprobs([p])[0]
             for p in pairs]
    assert together == pytest.approx(alone, abs=1e-3)
