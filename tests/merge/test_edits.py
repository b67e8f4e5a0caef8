"""Merging candidate edits into one non-overlapping set, and applying it (repair/merge/edits.py)."""
import pytest

from repair.merge.edits import apply_edits, keep_non_overlapping, merge_edits, resolve_overlaps, shift_edits
from repair.results import Edit


def edit(start, end, old, new, source="model", confidence=0.9):
    return Edit(start, end, old, new, source, confidence)


def test_apply_edits_replaces_only_the_spans():
    text = "Wang mentioned the navy alliance."
    edits = [edit(5, 14, "mentioned", "said"), edit(19, 23, "navy", "military")]
    assert apply_edits(text, edits) == "Wang said the military alliance."


def test_apply_no_edits_is_identity():
    text = "Clean text, untouched.\n"
    assert apply_edits(text, []) == text


def test_apply_rejects_edit_that_does_not_match():
    with pytest.raises(ValueError, match="does not match"):
        apply_edits("abc def", [edit(0, 3, "xyz", "q")])


def test_merge_prefers_glossary_over_model_on_overlap():
    glossary = edit(0, 30, "Collective Safety Treaty Group", "Collective Security Treaty Organization", "glossary", 0.8)
    model = edit(11, 17, "Safety", "Security", "model", 0.99)
    assert merge_edits([model, glossary]) == [glossary]


def test_merge_drops_low_confidence_and_no_ops():
    keep = edit(0, 4, "navy", "military", confidence=0.9)
    low = edit(10, 14, "name", "call", confidence=0.2)
    no_op = edit(20, 24, "said", "said")
    assert merge_edits([keep, low, no_op], min_confidence=0.5) == [keep]


def test_keep_non_overlapping_keeps_the_first_of_each_clash_in_the_given_order():
    a, b, c = edit(0, 10, "x" * 10, "y"), edit(5, 12, "x" * 7, "y"), edit(10, 14, "abcd", "y")
    assert keep_non_overlapping([a, b, c]) == [a, c]  # c only touches a
    assert keep_non_overlapping([b, a, c]) == [b]
    assert keep_non_overlapping([]) == []


def test_resolve_overlaps_ranks_by_source_then_confidence_then_length():
    short = edit(0, 4, "navy", "army", confidence=0.9)
    long = edit(0, 9, "navy base", "army camp", confidence=0.9)
    sure = edit(5, 9, "base", "camp", confidence=0.95)
    assert resolve_overlaps([short, long]) == [long]
    assert resolve_overlaps([short, long, sure]) == [short, sure]


def test_apply_rejects_overlapping_edits():
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abc def", [edit(0, 3, "abc", "x"), edit(2, 5, "c d", "y")])


def test_shift_edits_moves_offsets():
    assert shift_edits([edit(0, 4, "navy", "army")], 10) == [edit(10, 14, "navy", "army")]
