"""Tracing spun copies to their source and restoring exactly the words the spinner changed."""
from __future__ import annotations

import pytest

from repair.archive import Archive, ArchiveRestorer, align_paragraphs, apply_edits
from repair.archive.shingles import SHINGLE_K, fingerprint, hash_shingle, immutable_words
from repair.results import Edit

from tests.archive.archive_samples import ARTICLES, UNRELATED

CLEAN = "\n".join(ARTICLES["wire/1"] + ARTICLES["wire/2"])


def test_immutables_are_names_numbers_and_function_words():
    text = "Officials said the Red Cross helped 1,700 families in Astana."
    assert immutable_words(text) == ["the", "red", "cross", "1", "700", "in", "astana"]


def test_shingle_hash_is_stable_across_processes():
    # Python's str hash is salted per process; index files must not depend on it.
    assert hash_shingle(["the", "red", "cross"]) == hash_shingle(("the", "red", "cross"))
    assert hash_shingle(["the", "red", "cross"]) == 36068897809311
    assert len(fingerprint("The Red Cross said it helped the 1,700 families of Astana.").shingles) > 1
    assert SHINGLE_K == 3


def test_alignment_restores_swaps_and_keeps_copier_changes():
    source = ARTICLES["wire/1"][0]
    copy = ("Talks with opposition leaders will probably be held subsequent week, the ministry added. The overseas "
            "minister mentioned on Monday that safety forces had been deployed in Almaty after protesters marched "
            "in opposition to the government. Subscribe for more news.")
    diffs = align_paragraphs(copy, source)
    restorable = [(d.old, d.new) for d in diffs if d.restorable]
    assert restorable == [(" probably", ""), ("subsequent", "next"), ("overseas", "foreign"), ("mentioned", "said"),
                          ("safety", "security"), ("in opposition to", "against")]
    assert [(d.op, d.old) for d in diffs if not d.restorable] == [("unmatched", "Subscribe for more news")]


def test_a_different_number_is_never_restored():
    diffs = align_paragraphs("Shares of Northwind Traders rose 7.5 percent on Tuesday after the company reported higher profits.",
                             "Shares of Northwind Traders rose 4.5 percent on Tuesday after the company reported higher profits.")
    assert [(d.old, d.new, d.restorable) for d in diffs] == [("7", "4", False)]


@pytest.mark.parametrize("seed", range(4))
def test_spun_text_is_traced_and_restored_word_for_word(index_path, spinner, seed):
    spun = spinner.spin(CLEAN, seed=seed)
    assert spun.substitutions
    restorer = ArchiveRestorer.load(index_path)
    traces = restorer.archive.trace_text(spun.spun)
    assert [(t.source.document, t.source.number) for t in traces] == [
        ("wire/1", 1), ("wire/1", 2), ("wire/1", 3), ("wire/2", 1), ("wire/2", 2)]
    edits = restorer.edits(spun.spun)
    assert all(isinstance(e, Edit) and e.source == "archive" and 0 < e.confidence <= 1 for e in edits)
    assert all(spun.spun[e.start:e.end] == e.old for e in edits)
    assert apply_edits(spun.spun, edits) == CLEAN


def test_reordered_split_and_padded_copy_keeps_the_copiers_changes(index_path, spinner):
    first, second = ARTICLES["wire/1"][0].split(". Talks")
    copier = f"Breaking news from the region\nTalks{second}\n{first}.\n{ARTICLES['wire/1'][1]}"
    spun = spinner.spin(copier, seed=11, rate=0.4)
    assert spun.substitutions
    restorer = ArchiveRestorer.load(index_path)
    assert apply_edits(spun.spun, restorer.edits(spun.spun)) == copier
    sources = [t.source and (t.source.document, t.source.number) for t in restorer.archive.trace_text(spun.spun)]
    assert sources == [None, ("wire/1", 1), ("wire/1", 1), ("wire/1", 2)]


def test_garbled_names_come_back_from_the_source(index_path, garbler):
    text = ARTICLES["wire/1"][2]
    garbled = garbler.garble(text, seed=2).spun
    assert garbled != text
    restorer = ArchiveRestorer.load(index_path)
    assert apply_edits(garbled, restorer.edits(garbled)) == text


def test_unrelated_text_gets_no_source_and_no_edits(index_path, spinner):
    spun = spinner.spin(UNRELATED, seed=1).spun
    with Archive.open(index_path) as archive:
        assert [t.source for t in archive.trace_text(spun)] == [None]
    assert ArchiveRestorer.load(index_path).edits(spun) == []


def test_empty_text(index_path):
    assert ArchiveRestorer.load(index_path).edits("") == []
    assert ArchiveRestorer.load(index_path).edits("\n\n") == []


def test_a_spinner_added_number_is_undone_but_a_changed_one_vetoes_the_source():
    from repair.archive.trace import conflicts

    added = align_paragraphs("Sales rose over the last 12 months, the company said.", "Sales rose over the last year, the company said.")
    assert [(d.old, d.new, d.restorable) for d in added] == [("12 months", "year", True)]
    assert conflicts(added) == 0
    changed = align_paragraphs("Sales rose 5 pct last year, the company said.", "Sales rose 7 pct last year, the company said.")
    assert conflicts(changed) == 1


def test_archive_edits_win_and_sourced_paragraphs_are_left_to_the_archive(index_path, spinner):
    spun = spinner.spin(CLEAN + "\n" + UNRELATED, seed=3).spun
    repaired = ArchiveRestorer.load(index_path).repair(spun)
    unrelated_at = spun.rindex("\n") + 1
    inside = Edit(0, 3, spun[0:3], "XYZ", "model", 0.9)  # in a sourced paragraph
    outside = Edit(unrelated_at, unrelated_at + 1, spun[unrelated_at], "a", "model", 0.9)  # no source there
    merged = repaired.merge([inside, outside])
    assert inside not in merged and outside in merged
    assert [e for e in merged if e.source == "archive"] == list(repaired.edits)
