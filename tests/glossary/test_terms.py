"""What mining and matching share (repair/glossary/terms.py)."""
from __future__ import annotations

import pytest

from repair.glossary.terms import Term, acronyms_after_names, cap_runs, joined_by_space, name_before, strip_possessive, term_case
from repair.text import glossary_tokens


def words_of(text: str, runs: list[list[int]]) -> list[str]:
    tokens = glossary_tokens(text)
    return [" ".join(tokens[i].text for i in run) for run in runs]


def test_cap_runs_take_connectors_inside_only():
    text = "The Secretary of State met the Bank of England, said Mr Ek of the town."
    assert words_of(text, cap_runs(text, glossary_tokens(text))) == ["The Secretary of State", "Bank of England", "Mr Ek"]


def test_cap_runs_break_at_punctuation():
    text = "Paris, Rome and Berlin."
    assert words_of(text, cap_runs(text, glossary_tokens(text))) == ["Rome and Berlin"]


def test_name_before_walks_back_to_the_run_start():
    text = "the Department of Trade and Industry (DTI)"
    tokens = glossary_tokens(text)
    last = [t.text for t in tokens].index("Industry")
    # leading connectors stay: callers drop the stopwords they do not want
    assert words_of(text, [name_before(text, tokens, last, 10)]) == ["the Department of Trade and Industry"]
    assert words_of(text, [name_before(text, tokens, last, 3)]) == ["Trade and Industry"]


def test_acronyms_after_names():
    text = "the Trade Council (TC) and (XY), Board(BO) or (B)"
    tokens = glossary_tokens(text)
    found = [(tokens[i].text, acronym) for i, acronym in acronyms_after_names(text, tokens)]
    assert found == [("Council", "TC"), ("and", "XY")]  # no space before "(BO)"; "(B)" is too short


@pytest.mark.parametrize("word, expected", [("Kong's", "Kong"), ("Kong’s", "Kong"), ("Kongs", "Kongs")])
def test_strip_possessive(word, expected):
    assert strip_possessive(word) == expected


def test_joined_by_space():
    tokens = glossary_tokens("a b  c, d\ne")
    text = "a b  c, d\ne"
    assert [joined_by_space(text, a, b) for a, b in zip(tokens, tokens[1:])] == [True, True, False, False]


@pytest.mark.parametrize(
    "template, word, expected",
    [("Overseas", "Foreign", "Foreign"), ("OVERSEAS", "Foreign", "FOREIGN"), ("overseas", "Foreign", "foreign"),
     ("group", "CSTO", "CSTO"), ("Group", "organization", "Organization"), ("U.S.", "America", "America")],
)
def test_term_case(template, word, expected):
    assert term_case(template, word) == expected


def test_term_words_keep_abbreviations():
    assert Term("U.S. Trade Council", 5).words == ("U.S.", "Trade", "Council")
