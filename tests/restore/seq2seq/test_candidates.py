"""Candidates, the prior and the faithfulness filter (repair.restore.seq2seq.candidates)."""
from __future__ import annotations

import math

import pytest

from repair.restore.seq2seq.candidates import (
    CandidatePrior,
    candidate_allowed,
    detokenise,
    is_protected,
    normalise_phrase,
    region_candidates,
)
from repair.restore.seq2seq.model import Seq2SeqConfig


@pytest.mark.parametrize(
    ("word", "protected"),
    [
        ("1,700", True),
        ("CSTO", True),
        ("Tileuberdi", True),
        ("Overseas", False),  # a word spinners emit, capitalised inside a title
        ("mentioned", False),
        ("unseen", False),  # lower-case words are always open to the model
        ("A", False),  # one capital letter is not an acronym
    ],
)
def test_is_protected(word, protected):
    assert is_protected(word, spinnable=frozenset({"overseas", "mentioned", "a"})) is protected


@pytest.mark.parametrize(
    ("old", "candidate", "allowed"),
    [
        ("mentioned", "said", True),
        ("final 12 months", "last year", False),  # drops a number
        ("the 3 nations", "the 3 countries", True),
        ("NATO allies", "allies", False),  # drops an acronym
        ("NATO partners", "nato allies", True),  # keeps it (case comes back later)
        ("Mukhtar Tileuberdi mentioned", "he said", False),  # drops a name
        ("mentioned", "  ", False),
    ],
)
def test_candidate_allowed_keeps_digits_and_protected_words(old, candidate, allowed):
    assert candidate_allowed(old, candidate, frozenset({"mentioned", "nations", "partners"})) is allowed


@pytest.mark.parametrize(
    ("text", "expected"),
    [("well - known", "well-known"), ("don ' t", "don't"), ("a / b ", "a/b"), ("last year", "last year")],
)
def test_detokenise_joins_wordpiece_spacing(text, expected):
    assert detokenise(text) == expected


def test_normalise_phrase_lowers_and_collapses_spaces():
    assert normalise_phrase("  In  Opposition\tto ") == "in opposition to"


def test_candidate_prior_prefers_counted_pairs_and_copy():
    prior = CandidatePrior({"mentioned": {"said": 5.0}}, Seq2SeqConfig())
    assert prior.proposals("Mentioned") == ["said"]
    assert prior.logprob("mentioned", "said") > prior.logprob("mentioned", "mentioned") > prior.logprob("mentioned", "noted")
    config = Seq2SeqConfig()
    assert prior.logprob("mentioned", "noted") == pytest.approx(math.log(config.prior_floor))
    assert prior.logprob("Mentioned", "SAID") == pytest.approx(math.log(5.0 + config.prior_floor))


def test_candidate_prior_replaces_one_word_of_a_phrase_at_a_time():
    prior = CandidatePrior({"safety": {"security": 3.0}, "council": {"board": 1.0}}, Seq2SeqConfig())
    assert prior.proposals("Collective Safety Council") == ["collective security council", "collective safety board"]


def test_candidate_prior_reads_the_thesaurus(shipped_resources):
    config = Seq2SeqConfig()
    prior = CandidatePrior({}, config, shipped_resources.thesaurus)
    originals = prior.thesaurus_originals("Mentioned")
    assert "noted" in originals and len(originals) <= 8 and len(set(originals)) == len(originals)
    assert prior.proposals("mentioned") == list(originals)
    assert prior.logprob("mentioned", "noted") == pytest.approx(math.log(config.thesaurus_count + config.prior_floor))


def test_region_candidates_copy_first_filtered_and_distinct(wordpiece):
    prior = CandidatePrior({"final 12 months": {"last year": 9.0, "past 12 months": 2.0}}, Seq2SeqConfig())
    found = region_candidates("Final 12 months", ["final 12 months", "past 12 months", "last 12 months"], prior, wordpiece,
                              spinnable=frozenset({"final"}), max_target=8, max_candidates=10)
    texts = [text for text, _ in found]
    assert texts == ["final 12 months", "past 12 months", "last 12 months"]  # duplicates and "last year" (no 12) gone
    assert all(pieces == tuple(wordpiece.encode_batch([text])[0]) for text, pieces in found)
    protected = region_candidates("Final 12 months", ["past 12 months"], prior, wordpiece, spinnable=frozenset(), max_target=8, max_candidates=10)
    assert [text for text, _ in protected] == ["final 12 months"]  # "Final" reads as a name: kept


def test_region_candidates_keeps_the_copy_even_when_too_long(wordpiece):
    prior = CandidatePrior({}, Seq2SeqConfig())
    old = "an extraordinarily long-winded spun phrase"
    found = region_candidates(old, ["a long one", "short"], prior, wordpiece, spinnable=frozenset(), max_target=3, max_candidates=2)
    assert [text for text, _ in found] == [old, "a long one"]  # the copy stays; at most 2


def test_region_candidates_drops_candidates_over_max_target(wordpiece):
    prior = CandidatePrior({}, Seq2SeqConfig())
    found = region_candidates("said", ["stated", "made a statement about it"], prior, wordpiece, spinnable=frozenset(),
                              max_target=2, max_candidates=10)
    assert [text for text, _ in found] == ["said", "stated"]
