"""Candidate originals from the thesaurus: what a spinner could have replaced by a word or phrase."""
from __future__ import annotations

import pytest

from repair.detect.candidates import CandidateSource
from repair.synth.spin import FUNCTION_WORDS


@pytest.fixture(scope="module")
def thesaurus(shipped_resources):
    return shipped_resources.thesaurus


def test_a_phrase_rewrite_is_undone(thesaurus):
    assert ("against", 0.9) in CandidateSource(thesaurus, 40, FUNCTION_WORDS).originals("in opposition to")


def test_candidates_are_best_first_within_the_limit_and_never_the_word_itself(thesaurus):
    found = CandidateSource(thesaurus, 3).originals("mentioned")
    assert 0 < len(found) <= 3
    assert [w for _, w in found] == sorted((w for _, w in found), reverse=True)
    assert "mentioned" not in {c for c, _ in found}


def test_function_words_are_only_undone_through_phrase_rewrites(thesaurus):
    assert CandidateSource(thesaurus, 40).originals("about")  # single-word synonyms exist ("around")
    assert CandidateSource(thesaurus, 40, FUNCTION_WORDS).originals("about") == []


def test_a_word_pair_that_is_no_entry_has_no_candidates(thesaurus):
    assert CandidateSource(thesaurus, 40).originals("blue green") == []
