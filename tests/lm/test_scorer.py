"""The scorer on the real model: it prefers original wording, and its shortcuts change no number."""
from __future__ import annotations

import copy
import dataclasses

import pytest
import torch

from repair.lm import LanguageModel, LMConfig
from repair.lm import scorer as scorer_module
from repair.text import words

# The language model is not in the default pipeline; its tests run with -m slow (CI does).
pytestmark = pytest.mark.slow

# (left context, original, spun, right context): spinner swaps from the README and issue 14.
CLEAR_PAIRS = [
    ("The foreign minister ", "said", "mentioned", " on Monday that talks would continue."),
    ("Police said ", "security", "safety", " forces had been deployed after the protest."),
    ("Talks will be held ", "next", "subsequent", " week, the ministry added."),
    ("Recent advances in ", "artificial intelligence", "counterfeit consciousness", " have changed the field."),
    ("We train a ", "deep neural network", "profound neural organization", " on the images."),
    ("The book is an introduction to ", "deep learning", "profound learning", " for engineers."),
]


@pytest.mark.parametrize("left, original, spun, right", CLEAR_PAIRS)
def test_original_beats_spun_wording(lm, left, original, spun, right):
    good, bad = lm.score_candidates(left, [original, spun], right, right_words=3)
    assert good.logprob > bad.logprob + 1.0
    whole_good, whole_bad = lm.text_logprobs([left + original + right, left + spun + right])
    assert whole_good > whole_bad


def test_cached_prefix_gives_the_full_sequence_scores(lm, monkeypatch):
    # In float64 the two paths must agree exactly up to rounding; in float32 they differ only
    # by kernel rounding (matrix-vector vs matrix-matrix sums), well under a thousandth of a nat.
    cases = [("", ["The", "A"], " minister said"),
             ("The minister, who arrived late on Monday, ", ["said", "stated", "mentioned"], " that talks")]
    # Batches of at most two candidates (the second case's left context is 10 pieces): each
    # batch reads its own copy of the cache.
    monkeypatch.setattr(scorer_module, "CACHE_BUDGET", 20)
    lm64 = LanguageModel(copy.deepcopy(lm.model).to(torch.float64), lm.tokenizer, lm.config)
    for left, candidates, right in cases:
        for model, tolerance in ((lm64, 1e-4), (lm, 1e-3)):
            cached = model.score_candidates(left, candidates, right, right_words=2)
            full = model.score_candidates(left, candidates, right, right_words=2, reuse_prefix=False)
            for a, b in zip(cached, full):
                assert a.text == b.text and a.pieces == b.pieces
                assert a.logprob == pytest.approx(b.logprob, abs=tolerance)
                assert a.candidate_logprob == pytest.approx(b.candidate_logprob, abs=tolerance)


def test_candidate_and_right_words_add_up(lm):
    left, right = "The foreign minister ", " on Monday that talks would continue."
    (only,) = lm.score_candidates(left, ["said"], right, right_words=0)
    (both,) = lm.score_candidates(left, ["said"], right, right_words=2)
    assert only.logprob == pytest.approx(only.candidate_logprob)
    assert both.candidate_logprob == pytest.approx(only.candidate_logprob, abs=1e-3)
    assert both.logprob < both.candidate_logprob  # two more words, each with log-prob < 0
    # The whole right context scored = the difference of the two whole sentences.
    good, bad = lm.score_candidates(left, ["said", "mentioned"], right, right_words=100)
    whole = lm.text_logprobs([left + "said" + right, left + "mentioned" + right])
    assert good.logprob - bad.logprob == pytest.approx(whole[0] - whole[1], abs=1e-2)


SENTENCES = [
    "The overseas minister mentioned on Monday that safety forces had been deployed.",
    "\u201cWe don't know,\u201d said Kassym-Jomart Tokayev in Z\u00fcrich \u2014 1,700 troops (CSTO) left.",
    "  Leading spaces, a tab\tand trailing space ",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_word_offsets_index_the_input(lm, sentence):
    (scores,) = lm.word_logprobs([sentence])
    assert [(w.start, w.end, w.text) for w in scores.words] == [(t.start, t.end, t.text) for t in words(sentence)]
    assert all(sentence[w.start:w.end] == w.text for w in scores.words)
    assert all(w.logprob <= w.first_logprob <= 0 for w in scores.words)
    assert scores.logprob == pytest.approx(lm.text_logprobs([sentence])[0], abs=1e-3)
    assert sum(w.logprob for w in scores.words) >= scores.logprob - 1e-3  # punctuation pieces add the rest


def test_an_alternative_equal_to_the_word_scores_as_its_first_piece(lm):
    # The leading-space handling: the alternative must be tokenised as the word itself was,
    # with its space mid-sentence and without one at the start of the text.
    sentence = SENTENCES[0]
    tokens = words(sentence)
    (scores,) = lm.word_logprobs([sentence], [{i: [t.text] for i, t in enumerate(tokens)}])
    for word in scores.words:
        assert word.alternatives[0][1] == pytest.approx(word.first_logprob, abs=1e-5)


def test_thesaurus_alternatives_are_more_likely_than_spun_words(lm):
    sentence = SENTENCES[0]
    alternatives = {1: ["foreign"], 3: ["said"], 7: ["security"]}
    (scores,) = lm.word_logprobs([sentence], [alternatives])
    for index, (alt,) in alternatives.items():
        word = scores.words[index]
        assert word.alternatives[0][0] == alt
        assert word.alternatives[0][1] > word.first_logprob + 1.0


def test_batching_changes_no_score(lm):
    one = LanguageModel(lm.model, lm.tokenizer, dataclasses.replace(lm.config, batch_size=1))
    assert lm.text_logprobs(SENTENCES) == pytest.approx(one.text_logprobs(SENTENCES), abs=1e-3)


def test_empty_inputs(lm):
    assert lm.score_candidates("The minister ", [], " on Monday") == []
    with pytest.raises(ValueError, match="nothing to score"):
        lm.score_candidates("The minister", [""], "")
    assert lm.text_logprobs([]) == [] and lm.text_logprobs([""]) == [0.0]
    (scores,) = lm.word_logprobs([""])
    assert scores.words == () and scores.logprob == 0.0


def test_text_over_the_limit_is_refused(lm):
    short = LanguageModel(lm.model, lm.tokenizer, LMConfig(max_pieces=4))
    with pytest.raises(ValueError, match="max_pieces=4"):
        short.text_logprobs(["This sentence has more than four pieces."])


def test_a_start_token_outside_the_vocabulary_is_refused(lm):
    """Gemma 3's ``<bos>`` is no SmolLM2 token: it would silently read as ``<unk>``."""
    with pytest.raises(ValueError, match="'<bos>' is not in the tokenizer's vocabulary"):
        LanguageModel(lm.model, lm.tokenizer, LMConfig(start_token="<bos>"))
    # SmolLM2's own start token is also its unknown token, and stays accepted.
    assert lm.tokenizer.unk_token == LMConfig().start_token
    LanguageModel(lm.model, lm.tokenizer, LMConfig())


def test_alternatives_must_match_the_sentences(lm):
    with pytest.raises(ValueError, match="2 sentences"):
        lm.word_logprobs(["One.", "Two."], [{}])


def test_int8_keeps_the_head_fp32_and_the_clear_margins(lm):
    from repair.lm.quantize import quantize_int8

    model = quantize_int8(lm.model)
    assert isinstance(model.get_output_embeddings(), torch.nn.Linear)  # not a quantized Linear
    assert all(type(m) is torch.nn.Linear for n, m in model.named_modules() if n.endswith("down_proj"))
    int8 = LanguageModel(model, lm.tokenizer, lm.config)
    for left, original, spun, right in CLEAR_PAIRS[:3]:
        good, bad = int8.score_candidates(left, [original, spun], right, right_words=3)
        assert good.logprob > bad.logprob


def test_continuation_logprobs_match_the_candidate_scores(lm):
    # The batched pairs read the same numbers as score_candidates' two-sided score, whatever the
    # batch holds beside them (sorted by length, right-padded).
    left, right = "The foreign minister ", " on Monday that"
    expected = [s.logprob for s in lm.score_candidates(left, ["said", "mentioned"], right, right_words=3)]
    pairs = [(left, "said" + right), ("Police ", "arrived."), (left, "mentioned" + right),
             ("A much longer left context about the ministry and its officials, which ", "said so.")]
    scores = lm.continuation_logprobs(pairs)
    assert scores[0] == pytest.approx(expected[0], abs=1e-3)
    assert scores[2] == pytest.approx(expected[1], abs=1e-3)
    assert all(s < 0 for s in scores)
    with pytest.raises(ValueError, match="empty continuation"):
        lm.continuation_logprobs([("The minister", "")])
