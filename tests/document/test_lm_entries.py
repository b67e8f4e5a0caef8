"""Originals the language model expects where a spun document repeats a word (repair.document.lm_entries)."""
from __future__ import annotations

import pytest

from repair.document.lm_entries import MIN_SIMILARITY, WordSimilarity, expected_originals
from repair.document.thesaurus_entries import candidate_originals, thesaurus_entries
from repair.pipeline.config import RepairConfig
from repair.text import count_words

# Made-up news where a spinner with a dictionary we do not ship put "additionally" for "also"
# every time (the thesaurus lists no such pair: see the first test).
CLEAN = " ".join([
    "The ministry said on Monday that exports rose by four percent in March.",
    "Officials also expect imports to fall as the currency weakens.",
    "The central bank also cut its main interest rate by half a point.",
    "Analysts said the cut would also help small businesses borrow.",
    "The government has also promised new spending on roads and schools.",
    "Farmers also want lower taxes on fuel, the union said.",
    "The finance minister said he would also meet bankers next week.",
])
SPUN = CLEAN.replace(" also ", " additionally ")


def test_the_thesaurus_lists_no_such_original(shipped_resources):
    # What makes the LM's candidates worth having: without them no entry could restore "also".
    assert "also" not in [o for o, _ in candidate_originals("additionally", shipped_resources.thesaurus, {})]


def test_the_lms_originals_join_the_thesaurus_candidates_once(shipped_resources):
    listed = [o for o, _ in candidate_originals("inordinate", shipped_resources.thesaurus, {})]
    assert "excessive" in listed
    merged = candidate_originals("inordinate", shipped_resources.thesaurus,
                                 {"inordinate": [("excessive", 0.5), ("undue", 1.0), ("zzz", 0.5)]})
    names = [o for o, _ in merged]
    assert names[: len(listed)] == listed  # the thesaurus's first, unchanged
    assert names.count("excessive") == 1
    assert ("zzz", 0.5) in merged


def test_an_entry_from_the_lm_gets_the_document_counts(shipped_resources):
    # "additionally" six times and "also" never: the counts favour the swap.
    found = {(e.old, e.new): e for e in thesaurus_entries(SPUN, shipped_resources.thesaurus, shipped_resources.ngram,
                                                           count_words(SPUN), expected={"additionally": [("also", 5 / 6)]})}
    assert ("additionally", "also") in found
    assert found[("additionally", "also")].occurrences == 6
    without = thesaurus_entries(SPUN, shipped_resources.thesaurus, shipped_resources.ngram, count_words(SPUN))
    assert not any(e.new == "also" for e in without)


def test_lm_originals_need_the_thesaurus_entries():
    with pytest.raises(ValueError, match="map_thesaurus"):
        RepairConfig(map_lm_originals=True)
    assert RepairConfig(map_thesaurus=True, map_lm_originals=True).map_lm_originals


@pytest.mark.slow
def test_the_lm_expects_the_original_of_a_repeated_swap(lm):
    found = dict(expected_originals(lm, SPUN, WordSimilarity()))
    assert "also" in [new for new, _ in found["additionally"]]
    share = dict(found["additionally"])["also"]
    assert 0.5 <= share <= 1.0


@pytest.mark.slow
def test_the_clean_text_gets_no_original_for_its_own_word(lm):
    found = expected_originals(lm, CLEAN, WordSimilarity())
    assert "additionally" not in found
    assert all(new != "also" for candidates in found.values() for new, _ in candidates if candidates)


@pytest.mark.slow
def test_word_similarity_keeps_synonyms_and_drops_unrelated_words():
    similarity = WordSimilarity()
    close, unrelated = similarity("additionally", ["also", "famous"])
    assert close >= MIN_SIMILARITY > unrelated
