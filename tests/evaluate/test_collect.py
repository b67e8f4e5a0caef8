"""Per-pair statistics while pairs stream (repair/evaluate/collect.py)."""
from __future__ import annotations

from repair.evaluate.collect import batched, covers, reference_edit_kinds, restored_flags
from tests.evaluate.test_pairs import substitution

SOURCE, REFERENCE = "He mentioned the final plan.", "He said the last plan."


def test_reference_edits_take_the_kind_of_the_substitution_they_overlap():
    subs = (substitution(SOURCE, REFERENCE, "mentioned", "said", "wordnet"),)
    kinds = reference_edit_kinds(SOURCE, REFERENCE, subs)
    assert [k.kind if k else None for k in kinds] == ["wordnet", None]


def test_an_insertion_is_covered_by_a_substitution_it_touches():
    sub = substitution("a bc d", "a x d", "bc", "x", "phrase")
    assert covers(sub, 2, 2) and covers(sub, 4, 4) and not covers(sub, 5, 5)
    assert covers(sub, 3, 6) and not covers(sub, 4, 6)


def test_restored_flags_per_reference_edit():
    assert restored_flags(SOURCE, "He said the final plan.", REFERENCE) == [True, False]


def test_batched_keeps_the_remainder():
    assert [len(b) for b in batched(iter(range(7)), 3)] == [3, 3, 1]
