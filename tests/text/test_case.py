"""Case transfer (repair/text/case.py): one rule, the glossary's two switches, word by word."""
import pytest

from repair.text import copy_initial_case, is_all_caps, is_capitalized, match_case, match_case_by_word


@pytest.mark.parametrize(
    "template, word, expected",
    [
        ("mentioned", "said", "said"),
        ("Mentioned", "said", "Said"),
        ("CTO", "csto", "CSTO"),
        ("Group", "organization", "Organization"),
        ("Group", "mcDonald", "McDonald"),
        ("U.S.", "america", "AMERICA"),
        ("overseas", "Foreign", "Foreign"),
        ("A", "said", "Said"),
        ("", "said", "said"),
        ("Said", "", ""),
    ],
)
def test_match_case(template, word, expected):
    assert match_case(template, word) == expected


@pytest.mark.parametrize(
    "template, word, expected",
    [
        ("Overseas", "Foreign", "Foreign"),
        ("OVERSEAS", "Foreign", "FOREIGN"),
        ("overseas", "Foreign", "foreign"),
        ("group", "CSTO", "CSTO"),
        ("group", "McDonald", "McDonald"),
        ("Group", "organization", "Organization"),
        ("U.S.", "America", "America"),
    ],
)
def test_match_case_for_canonical_terms(template, word, expected):
    assert match_case(template, word, lowercase=True, dotted_caps=False) == expected


def test_each_switch_alone():
    assert match_case("overseas", "Foreign", lowercase=True) == "foreign"
    assert match_case("U.S.", "america", dotted_caps=False) == "America"


@pytest.mark.parametrize(
    "template, word, expected",
    [("Go", "went", "Went"), ("GO", "went", "Went"), ("go", "Went", "Went"), ("", "went", "went")],
)
def test_copy_initial_case_touches_only_the_first_letter(template, word, expected):
    assert copy_initial_case(template, word) == expected


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("Overseas Minister", "foreign minister", "Foreign Minister"),
        ("the NAVY", "the military", "the MILITARY"),
        ("Overseas", "foreign affairs", "Foreign affairs"),
        ("", "x", "x"),
    ],
)
def test_match_case_by_word(old, new, expected):
    assert match_case_by_word(old, new) == expected


def test_predicates():
    assert is_capitalized("Minister") and is_capitalized("U.S.") and not is_capitalized("") and not is_capitalized("x")
    assert is_all_caps("CSTO") and is_all_caps("U.S.") and not is_all_caps("A") and not is_all_caps("Csto")
