"""Glossary mining: terms, acronyms and variants from clean sentences (repair/glossary/mine.py)."""
from __future__ import annotations

import pytest

from repair.glossary.mine import (
    FORMAT_VERSION,
    MineConfig,
    acronym_definitions,
    count_paragraph,
    glossary_data,
    select_terms,
    thesaurus_synonyms,
    variant_keys,
    word_variants,
)
from repair.glossary.terms import Term
from repair.resources.thesaurus import Thesaurus
from repair.text import glossary_tokens
from tests.glossary.tiny import DAYS, mine


def test_mining_finds_terms_and_acronyms(tiny):
    texts = {t.text: t for t in tiny.terms}
    assert "Foreign Minister" in texts
    assert texts["Northern Trade Council"].acronym == "NTC"
    assert texts["Northern Trade Council"].kind == "org"
    assert not any(t.text.split()[0] in ("The", "Officials") for t in tiny.terms)
    assert not any(day in t.text for t in tiny.terms for day in DAYS)


def test_count_paragraph_counts_title_case_ngrams_and_sentence_starts():
    counts = count_paragraph("Foreign Minister Ada Lark met the U.S. Trade Council (UTC) today.")
    assert counts.paragraphs == 1 and counts.tokens == 11
    assert counts.ngrams[("Foreign", "Minister")] == 1 and counts.initial[("Foreign", "Minister")] == 1
    assert counts.ngrams[("Ada", "Lark")] == 1 and counts.initial[("Ada", "Lark")] == 0
    assert counts.ngrams[("U.S.", "Trade", "Council")] == 1
    assert counts.caps == {"U.S.": 1, "UTC": 1}


def test_empty_paragraph_counts_nothing():
    counts = count_paragraph("")
    assert (counts.tokens, sum(counts.ngrams.values()), sum(counts.vocab.values())) == (0, 0, 0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the Federal Emergency Management Agency (FEMA) said", [(("Federal", "Emergency", "Management", "Agency"), "FEMA")]),
        ("the Department of Trade and Industry (DTI) said", [(("Department", "of", "Trade", "and", "Industry"), "DTI")]),
        ("the Federal Agency (FEMA) said", []),
        ("the Agency(FA) said", []),
    ],
)
def test_acronym_definitions_need_matching_initials(text, expected):
    assert acronym_definitions(text, glossary_tokens(text)) == expected


def test_sentence_start_and_coordination_are_not_terms():
    counts = mine([f"Monday Morning traffic was slow near Paris and Rome {i}." for i in range(6)] + [
        f"Paris {i} and Rome {i} are cities, Paris is big, Rome is old." for i in range(20)
    ])
    texts = {t.text for t in select_terms(counts, MineConfig(min_freq=3))}
    assert "Monday Morning" not in texts
    assert "Paris and Rome" not in texts


def test_word_variants_skip_abbreviations_and_self():
    table = word_variants(["corporation", "foreign"], lambda w: {"corporation": ["corp", "company", "Corporation"], "foreign": ["Overseas"]}[w])
    assert table == {"corporation": ["company"], "foreign": ["overseas"]}


def test_variant_keys_skip_stopwords_and_acronyms():
    terms = [Term("Secretary of State", 10), Term("NATO Council", 10, "NC", "org")]
    assert variant_keys(terms) == {"secretary", "state", "council"}


def test_glossary_data_is_the_file_layout():
    data = glossary_data([Term("Foreign Minister", 9)], {"foreign": ["overseas"]}, blocked=["b", "a", "a"])
    assert data["format"] == FORMAT_VERSION
    assert data["terms"] == [["Foreign Minister", 9, "", "name"]]
    assert data["blocked"] == ["a", "b"] and data["acronym_variants"] == {} and data["vocab"] == []


def test_thesaurus_synonyms_inflect_plural_term_words():
    synonyms = thesaurus_synonyms(Thesaurus.load())
    assert "countries" in synonyms("nations")
    assert all(form != "nations" for form in synonyms("nations"))
