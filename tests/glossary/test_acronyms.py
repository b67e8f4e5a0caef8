"""Acronyms and their names: repairs in a paragraph and through a document (repair/glossary/acronyms.py)."""
from __future__ import annotations

from collections import Counter

import pytest

from repair.glossary.acronyms import AcronymChecker, acronym_repairs, explains, propagate_acronyms, slip_of, spells
from repair.glossary.terms import Term
from repair.results import Edit
from repair.text import glossary_tokens


# ---- in a paragraph ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, acronym, expected",
    [
        ("Collective Security Treaty Organization", "CSO", False),
        ("Association of Southeast Asian Nations", "ASEAN", True),
        ("Centers for Disease Control and Prevention", "CDC", True),
        ("The General Services Administration", "GSA", True),
        ("Asia-Pacific Economic Cooperation", "APEC", True),
        ("Shanghai Cooperation Group", "SCO", False),
    ],
)
def test_explains(words, acronym, expected):
    assert explains(words.split(), acronym) is expected


def test_spells_with_and_without_inner_letters():
    assert spells(["Southeast", "Asian"], "sea", inner=True)
    assert not spells(["Southeast", "Asian"], "sea")


TERMS = [Term("Collective Security Treaty Organization", 40, "CSTO", "org"), Term("Security Council", 90, "", "org")]
VARIANTS = {"organization": ["group", "arrangement"], "security": ["safety"]}


@pytest.fixture(scope="module")
def checker() -> AcronymChecker:
    words = [tuple(w.lower() for w in t.words) for t in TERMS]
    return AcronymChecker.build(TERMS, words, VARIANTS, upgrade_ratio=10.0)


def test_checker_tables(checker):
    assert checker.sources == {"group": ["organization"], "arrangement": ["organization"], "safety": ["security"]}
    assert checker.name_word_freq == Counter({"security": 130, "collective": 40, "treaty": 40, "organization": 40, "council": 90})
    assert checker.acronym_of_name(["The", "Collective", "Security", "Treaty", "Organization"]) == "CSTO"
    assert checker.acronym_of_name(["Security", "Council"]) == ""


def test_name_word_that_breaks_its_acronym_is_replaced(checker):
    text = "the Collective Security Treaty Group (CSTO) met"
    edits = checker.names_fixed_by_acronym(text, glossary_tokens(text), [])
    assert [(e.old, e.new) for e in edits] == [("Group", "Organization")]
    assert checker.names_fixed_by_acronym(text, glossary_tokens(text), [Edit(4, 14, "Collective", "X", "glossary", 0.9)]) == []


def test_acronym_slip_beside_its_name_is_repaired(checker):
    text = "the CSO (Collective Security Treaty Organization) met"
    edits = checker.acronyms_fixed_by_name(text, glossary_tokens(text), [])
    assert [(e.old, e.new, e.confidence) for e in edits] == [("CSO", "CSTO", 0.8)]
    text = "the CDC (Centers for Disease Control and Prevention) met"
    assert checker.acronyms_fixed_by_name(text, glossary_tokens(text), []) == []


# ---- through a document --------------------------------------------------------------------

PARAGRAPHS = [
    "Wang praised the CSO (Collective Security Treaty Organization) for its role.",
    "Tokayev asked for the troops of the CTO, which landed in two days.",
    "The CSO had never acted before. The US and the UN said nothing; the CEO of a bank agreed.",
]
REPAIR = Edit(16, 19, "CSO", "CSTO", "glossary", 0.7)


def test_only_glossary_acronym_edits_start_propagation():
    assert acronym_repairs([REPAIR]) == {"CSO": ("CSTO", 0.7)}
    assert acronym_repairs([Edit(0, 3, "CSO", "CSTO", "model", 0.9), Edit(0, 4, "Safe", "Secure", "glossary", 0.9)]) == {}


def test_slips_are_one_letter():
    assert slip_of("CTO", "CSTO") and slip_of("CSOT", "CSTO") and slip_of("CSTA", "CSTO")
    assert not slip_of("CSTO", "CSTO") and not slip_of("US", "USA") and not slip_of("CEO", "CSTO")


def test_repeats_and_slips_are_repaired_elsewhere_in_the_document():
    out = propagate_acronyms(PARAGRAPHS, [[REPAIR], [], []])
    assert out[0] == [REPAIR]
    assert [(e.old, e.new, PARAGRAPHS[1][e.start : e.end]) for e in out[1]] == [("CTO", "CSTO", "CTO")]
    assert [(e.old, e.new) for e in out[2]] == [("CSO", "CSTO")]
    assert out[1][0].confidence < REPAIR.confidence


def test_nothing_happens_without_a_repair():
    assert propagate_acronyms(PARAGRAPHS, [[], [], []]) == [[], [], []]
