"""Per-pair statistics while pairs stream (repair/evaluate/collect.py)."""
from __future__ import annotations

from repair.evaluate.collect import batched, changed_part, covers, judge_edits, reference_edit_kinds, restored_flags
from repair.results import Edit
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


def edit_of(source: str, old: str, new: str) -> Edit:
    start = source.index(old)
    return Edit(start, start + len(old), old, new, "model", 0.9)


def test_an_edit_is_judged_right_when_it_restores_the_reference_word():
    assert judge_edits(SOURCE, REFERENCE, [edit_of(SOURCE, "mentioned", "said"), edit_of(SOURCE, "plan", "scheme")]) == [True, False]


def test_an_edit_that_rewrites_a_phrase_is_judged_on_the_words_it_changes():
    # Restorers rewrite the whole spun phrase: the words kept at its ends are not a fault.
    source, reference = "It will probably be ready in a local anesthetic office.", "It will be ready in a local office."
    edits = [edit_of(source, "will probably be", "will be"), edit_of(source, "local anesthetic office", "local office")]
    assert judge_edits(source, reference, edits) == [True, True]
    assert judge_edits(reference, reference, [edit_of(reference, "will be ready", "will soon be ready")]) == [False]
    assert judge_edits("It will be ready.", "It will soon be ready.", [edit_of("It will be ready.", "will be", "will soon be")]) == [True]


def test_a_phrase_edit_that_also_changes_a_right_word_is_wrong():
    assert judge_edits(SOURCE, REFERENCE, [edit_of(SOURCE, "the final plan", "the last scheme")]) == [False]
    assert judge_edits(SOURCE, REFERENCE, [edit_of(SOURCE, "the final plan", "the last plan")]) == [True]


def test_changed_part_narrows_to_the_changed_words_and_keeps_offsets_into_the_source():
    source = "It will probably be ready."
    narrowed = changed_part(source, edit_of(source, "will probably be", "will be"))
    assert (source[narrowed.start : narrowed.end], narrowed.new) == ("probably", "")
    inserted = changed_part("It will be ready.", edit_of("It will be ready.", "will be", "will soon be"))
    assert (inserted.start, inserted.end, inserted.new) == (7, 7, " soon")
    assert changed_part(SOURCE, edit_of(SOURCE, "mentioned", "said")) == edit_of(SOURCE, "mentioned", "said")
