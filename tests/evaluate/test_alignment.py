"""Word alignment (repair/evaluate/alignment.py): ERRANT-like edits from a difflib alignment."""
from __future__ import annotations

import pytest

from repair.evaluate.alignment import WordEdit, align, tokens

SENTENCE = "The alliance said the plan would start next week"


def test_align_gives_errant_like_edits():
    edits = align(tokens("He mentioned the final plan"), tokens("He said the last plan")).edits
    assert edits == (
        WordEdit(1, 2, "mentioned", 1, 2, "said"),
        WordEdit(3, 4, "final", 3, 4, "last"),
    )


def test_alignment_of_identical_texts_has_no_edits():
    alignment = align(tokens(SENTENCE), tokens(SENTENCE))
    assert alignment.edits == ()
    assert all(alignment.kept())


def test_insertion_and_deletion_edits():
    assert align(("a", "b"), ("a", "x", "b")).edits == (WordEdit(1, 1, "", 1, 2, "x"),)
    assert align(("a", "x", "b"), ("a", "b")).edits == (WordEdit(1, 2, "x", 1, 1, ""),)


def test_word_edit_is_frozen():
    edit = WordEdit(0, 1, "a", 0, 1, "b")
    with pytest.raises(AttributeError):
        edit.o_str = "c"  # type: ignore[misc]
