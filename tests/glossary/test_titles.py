"""Titles of known people: mining, thesaurus relations, matching (repair/glossary/titles.py)."""
from __future__ import annotations

from collections import Counter

from repair.paths import models_dir
from repair.glossary.titles import TITLES_FILE, TitleConfig, TitleIndex, count_titles, mentions, name_titles, relatives, titles_data
from repair.text import glossary_tokens

CORPUS = [
    "Foreign Minister Anna Berg met Prime Minister Olaf Dahl on Monday.",
    "Foreign Minister Anna Berg said the talks went well.",
    "Swedish Foreign Minister Anna Berg arrived in Oslo.",
    "Director Anna Berg opened the institute.",
    "Prime Minister Olaf Dahl called the election.",
    "The meeting of Prime Minister Olaf Dahl and Mr Jon Ek ended.",
    "Chancellor Karl Vogt spoke.",
    "Chancellor Lena Roth spoke.",
]
SYNONYMS = {"chancellor": ["prime minister", "premier"], "minister": ["curate"], "mr": ["sir"]}
TINY = TitleConfig(min_mentions=1, min_head_mentions=1, min_share=0.2)


def tiny_index() -> TitleIndex:
    counts = count_titles(CORPUS)
    return TitleIndex(titles_data(counts, lambda w: SYNONYMS.get(w, []), TINY))


def test_mentions_split_title_and_two_word_name():
    text = "Swedish Foreign Minister Anna Berg arrived."
    found = mentions(text, glossary_tokens(text))
    assert [(m.name, glossary_tokens(text)[m.head].text) for m in found] == [(("anna", "berg"), "Minister")]


def test_counts_heads_and_two_word_titles():
    counts = count_titles(CORPUS)
    assert counts.heads["anna berg"] == Counter({"minister": 3, "director": 1})
    assert counts.phrases["anna berg"]["Foreign Minister"] == 3


def test_name_titles_keeps_every_trusted_office():
    titles = name_titles(Counter({"minister": 6, "director": 4, "commission": 1}),
                         Counter({"Foreign Minister": 6, "Minister": 6, "Director": 4, "Commission": 1}), TitleConfig())
    assert titles == {"minister": ("Foreign Minister", 6), "director": ("Director", 4)}


def test_relatives_go_both_ways_through_phrase_words():
    related = relatives(["chancellor", "minister", "mr"], lambda w: SYNONYMS.get(w, []))
    assert related == {"chancellor": ["minister"], "minister": ["chancellor"]}


def test_related_false_friend_title_is_repaired():
    text = "Chancellor Anna Berg flew home."
    edits = tiny_index().find(text)
    assert [(e.old, e.new, e.source) for e in edits] == [("Chancellor", "Foreign Minister", "glossary")]
    assert text[edits[0].start : edits[0].end] == "Chancellor"


def test_modifier_already_there_is_not_doubled():
    edits = tiny_index().find("Foreign Chancellor Anna Berg flew home.")
    assert [(e.old, e.new) for e in edits] == [("Chancellor", "Minister")]


def test_seen_or_unrelated_titles_are_left_alone():
    index = tiny_index()
    for text in ("Director Anna Berg flew home.", "Foreign Minister Anna Berg flew home.",
                 "Mr Anna Berg flew home.", "Chancellor Unknown Person flew home."):
        assert index.find(text) == [], text


def test_shipped_table_repairs_a_related_title_and_keeps_clean_text():
    index = TitleIndex.load(models_dir() / "glossary" / TITLES_FILE)
    assert len(index) > 1000
    edits = index.find("Premier Sergei Lavrov told reporters the talks would continue.")
    assert [(e.old, e.new) for e in edits] == [("Premier", "Foreign Minister")]
    assert index.find("Foreign Minister Sergei Lavrov told reporters the talks would continue.") == []
    assert index.find("Mr Sergei Lavrov told reporters the talks would continue.") == []
