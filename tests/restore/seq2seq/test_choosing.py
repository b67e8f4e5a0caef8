"""The product of experts and the edit it gives (repair.restore.seq2seq.choosing)."""
from __future__ import annotations

import math

import pytest

from repair.restore.seq2seq.choosing import RegionScores, choice_edit, choose


def scores(model, prior, old="mentioned", candidates=("mentioned", "said", "noted"), ngram=()):
    return RegionScores(3, 3 + len(old), old, candidates, tuple(model), tuple(prior), tuple(ngram))


def test_choose_combines_model_prior_and_copy_bonus():
    s = scores([-3.0, -1.0, -2.0], [0.0, 0.0, 0.0])
    assert choose(s, 0.0, 0.0, 1.0).text == "said"
    assert choose(s, 0.0, 2.5, 1.0).text == "mentioned"  # copy preference
    assert choose(scores([-3.0, -1.0, -0.9], [0.0, 0.0, -5.0]), 1.0, 0.0, 1.0).text == "said"  # prior
    choice = choose(s, 0.0, 0.0, 1.0)
    assert choice.confidence == pytest.approx(1 / (1 + math.exp(-2) + math.exp(-1)))
    assert choice.index == 1


def test_temperature_spreads_the_confidence_but_keeps_the_winner():
    s = scores([-3.0, -1.0, -2.0], [0.0, 0.0, 0.0])
    sharp, flat = choose(s, 0.0, 0.0, 1.0), choose(s, 0.0, 0.0, 5.0)
    assert sharp.text == flat.text == "said"
    assert flat.confidence < sharp.confidence


def test_choose_weighs_the_trigrams_only_when_asked_and_present():
    s = scores([-1.0, -2.0, -2.0], [0.0, 0.0, 0.0], ngram=[-20.0, -12.0, -11.0])
    assert choose(s, 0.0, 0.0, 1.0).text == "mentioned"  # decoder alone
    assert choose(s, 0.0, 0.0, 1.0, ngram_weight=1.0).text == "noted"
    assert choose(s, 0.0, 0.0, 1.0, decoder_weight=0.0, ngram_weight=1.0).text == "noted"
    without = scores([-1.0, -2.0, -2.0], [0.0, 0.0, 0.0])
    assert choose(without, 0.0, 0.0, 1.0, ngram_weight=1.0) == choose(without, 0.0, 0.0, 1.0)


def test_choice_edit_copy_gives_no_edit_and_case_is_transferred():
    s = scores([0.0, -5.0, -5.0], [0.0, 0.0, 0.0], old="Mentioned")
    assert choice_edit(s, choose(s, 0.0, 0.0, 1.0)) is None
    s = scores([-5.0, 0.0, -5.0], [0.0, 0.0, 0.0], old="Mentioned")
    edit = choice_edit(s, choose(s, 0.0, 0.0, 1.0))
    assert (edit.start, edit.end, edit.old, edit.new, edit.source) == (3, 12, "Mentioned", "Said", "model")
    assert 0.9 < edit.confidence <= 1.0


def test_choice_edit_that_only_changes_case_is_no_edit():
    s = scores([-5.0, 0.0], [0.0, 0.0], old="MENTIONED", candidates=("mentioned-x", "mentioned"))
    assert choice_edit(s, choose(s, 0.0, 0.0, 1.0)) is None


@pytest.mark.parametrize(
    ("old", "winner", "new"),
    [
        ("Collective Safety Treaty Group", "collective security treaty organization", "Collective Security Treaty Organization"),
        ("Overseas Minister", "foreign minister", "Foreign Minister"),
        ("In opposition to", "against", "Against"),
        ("SAFETY", "security", "SECURITY"),
    ],
)
def test_choice_edit_gives_the_spun_words_case_back(old, winner, new):
    s = scores([-9.0, 0.0], [0.0, 0.0], old=old, candidates=(old.lower(), winner))
    assert choice_edit(s, choose(s, 0.0, 0.0, 1.0)).new == new


def test_edit_records_the_alternatives_and_the_reason_for_review():
    s = scores([-3.0, -1.0, -2.0, -4.0], [0.0, 0.0, 0.0, 0.0], old="Mentioned", candidates=("mentioned", "said", "noted", "stated"))
    choice = choose(s, 0.5, 0.0, 1.0)
    assert choice.alternatives == ("noted", "mentioned", "stated") and choice.experts == "decoder+pairs"
    edit = choice_edit(s, choice)
    assert edit.new == "Said" and edit.alternatives == ("Noted", "Mentioned", "Stated")  # the spun words' case
    assert edit.reason == f"decoder+pairs prefer 'Said' (p={choice.confidence:.2f})"
    alone = choice_edit(s, choose(s, 0.0, 0.0, 1.0))
    assert alone.reason.startswith("decoder prefers 'Said'")
    assert set(edit.to_dict()) == {"start", "end", "old", "new", "source", "confidence", "alternatives", "reason"}
