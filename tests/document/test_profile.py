"""The spinner profile: a document's substitution map, applied per word type."""
from __future__ import annotations

from repair.document.profile import MapEntry, consistent_entries, extend_to_repeats, pooled_confidence, substitution_map
from repair.merge.edits import apply_edits
from repair.results import Edit

TEXT = "He mentioned it. She Mentioned that. They mentioned the plan, and safety mattered."


def edit(text: str, word: str, new: str, confidence: float, nth: int = 0, source: str = "model") -> Edit:
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return Edit(start, start + len(word), word, new, source, confidence)


def test_pooled_confidence_adds_independent_evidence():
    assert pooled_confidence([0.5, 0.5]) == 0.75
    assert pooled_confidence([0.9, 0.9, 0.9]) == 0.99  # capped below certainty
    assert pooled_confidence([]) == 0.0


def test_map_groups_edits_by_the_word_they_replace():
    edits = [edit(TEXT, "mentioned", "said", 0.7), edit(TEXT, "Mentioned", "Said", 0.6), edit(TEXT, "safety", "security", 0.9)]
    assert substitution_map(edits) == (MapEntry("mentioned", "said", 2, 0.88), MapEntry("safety", "security", 1, 0.9))
    assert str(substitution_map(edits)[0]) == "mentioned -> said x2, 0.88"


def test_confident_decision_reaches_every_repeat_with_its_case():
    edits = [edit(TEXT, "mentioned", "said", 0.7), edit(TEXT, "Mentioned", "Said", 0.6)]
    added = extend_to_repeats(TEXT, edits, min_confidence=0.8)
    assert [(e.old, e.new, e.source) for e in added] == [("mentioned", "said", "document")]
    assert apply_edits(TEXT, sorted([*edits, *added], key=lambda e: e.start)) == (
        "He said it. She Said that. They said the plan, and safety mattered."
    )


def test_unsure_or_conflicting_decisions_stay_local():
    unsure = [edit(TEXT, "mentioned", "said", 0.6)]
    assert extend_to_repeats(TEXT, unsure, min_confidence=0.8) == []
    conflicting = [edit(TEXT, "mentioned", "said", 0.95), edit(TEXT, "Mentioned", "Noted", 0.95)]  # one each: split
    assert consistent_entries(substitution_map(conflicting), 0.8) == []
    assert extend_to_repeats(TEXT, conflicting, min_confidence=0.8) == []


def test_word_inside_a_longer_word_is_not_a_repeat():
    text = "It was unmentioned. It was mentioned. It was mentioned-ish."
    edits = [edit(text, "mentioned", "said", 0.95, nth=1)]
    assert extend_to_repeats(text, edits, min_confidence=0.8) == []


def test_a_clear_majority_decides_for_the_unedited_repeats():
    text = "A mentioned. B mentioned. C mentioned. D mentioned."
    edits = [edit(text, "mentioned", "said", 0.9, nth=0), edit(text, "mentioned", "said", 0.9, nth=1), edit(text, "mentioned", "noted", 0.9, nth=2)]
    added = extend_to_repeats(text, edits, min_confidence=0.8)
    assert [(e.start, e.new) for e in added] == [(text.rindex("mentioned"), "said")]


def test_glossary_decisions_do_not_reach_repeats_it_left_alone():
    edits = [edit(TEXT, "mentioned", "said", 0.95, source="glossary"), edit(TEXT, "Mentioned", "Said", 0.95, source="glossary")]
    assert extend_to_repeats(TEXT, edits, min_confidence=0.8) == []
    assert substitution_map(edits)[0].count == 2  # still part of the document's map
