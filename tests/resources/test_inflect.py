"""Inflection: analyses of irregular/regular forms and generation back, using the shipped data."""
from __future__ import annotations

import pytest

from repair.resources.inflect import Inflector, UnknownTagError


@pytest.fixture(scope="module")
def inflector() -> Inflector:
    return Inflector.load()


@pytest.mark.parametrize(
    "word, reading",
    [
        ("said", ("say", "VBD")),
        ("says", ("say", "VBZ")),
        ("saying", ("say", "VBG")),
        ("told", ("tell", "VBN")),
        ("nations", ("nation", "NNS")),
        ("countries", ("country", "NNS")),
        ("children", ("child", "NNS")),
        ("rising", ("rise", "VBG")),
        ("stopped", ("stop", "VBD")),
        ("bigger", ("big", "JJR")),
        ("better", ("good", "JJR")),
        ("went", ("go", "VBD")),
        ("has", ("have", "VBZ")),
    ],
)
def test_analyses_find_lemma_and_tag(inflector, word, reading):
    assert reading in inflector.analyses(word)


def test_analyses_reject_non_lemmas(inflector):
    assert ("ris", "VBG") not in inflector.analyses("rising")
    assert inflector.analyses("xqzt") == []


@pytest.mark.parametrize(
    "lemma, tag, form",
    [
        ("say", "VBD", "said"),
        ("mention", "VBD", "mentioned"),
        ("mention", "VBZ", "mentions"),
        ("mention", "VBG", "mentioning"),
        ("stop", "VBD", "stopped"),
        ("refer", "VBD", "referred"),
        ("die", "VBG", "dying"),
        ("speak", "VBN", "spoken"),
        ("go", "VBZ", "goes"),
        ("country", "NNS", "countries"),
        ("child", "NNS", "children"),
        ("church", "NNS", "churches"),
        ("big", "JJR", "bigger"),
        ("happy", "JJR", "happier"),
        ("severe", "JJR", "more severe"),
        ("take care of", "VBD", "took care of"),
        ("time period", "NNS", "time periods"),
        ("Group", "NNS", "Groups"),
        ("say", "VB", "say"),
    ],
)
def test_inflect(inflector, lemma, tag, form):
    assert inflector.inflect(lemma, tag) == form


def test_round_trip_on_regular_verbs(inflector):
    for lemma in ("mention", "inform", "offer", "provide", "claim"):
        for tag in ("VBZ", "VBD", "VBG"):
            assert (lemma, tag) in inflector.analyses(inflector.inflect(lemma, tag))


def test_unknown_tag_is_named(inflector):
    with pytest.raises(UnknownTagError, match="'XYZ'"):
        inflector.inflect("say", "XYZ")
