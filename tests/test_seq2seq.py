"""Tests for the trained restorer (repair.seq2seq) and its training data (repair.train_restorer)."""
from __future__ import annotations

import random

import pytest

from repair import text as textutil
from repair.merge import apply_edits, merge_edits
from repair.paths import models_dir
from repair.results import Span
from repair.seq2seq import (
    COPY,
    COPY_ID,
    DELETE,
    LabelVocab,
    ModelRestorer,
    PieceIds,
    Window,
    cut_window,
    encode_window,
    is_protected,
    region_edits,
    span_regions,
    word_outputs,
    window_chunks,
)
from repair.train_restorer import LabeledWindow, TrainConfig, build_labels, label_ids, row_windows, sub_regions


def spans_for(paragraph: str, *needles: str) -> list[Span]:
    """Spans over the first occurrence of each needle."""
    spans = []
    for needle in needles:
        start = paragraph.index(needle)
        spans.append(Span(start, start + len(needle), needle, 1.0, "test"))
    return spans


class FakeEncoder:
    """One id per character of each chunk: enough to check positions and cutting."""

    ids = PieceIds(bos=1, eos=2, pad=0, open=3, close=4)

    def encode_batch(self, texts):
        return [[10 + (ord(c) % 50) for c in t] for t in texts]


# ---------------------------------------------------------------- windows


def test_window_chunks_marks_each_region_in_order():
    text = "He mentioned the plan."
    region = [textutil.words(text)[1]]
    assert window_chunks(text, [region]) == [
        ("text", "He "), ("open", ""), ("word", "mentioned"), ("close", ""), ("text", " the plan."),
    ]


def test_encode_window_points_at_first_piece_of_each_flagged_word():
    text = "in opposition to it"
    tokens = textutil.words(text)
    window = encode_window(FakeEncoder(), text, [tokens[:3]], max_tokens=64)
    assert window.ids[0] == 1 and window.ids[-1] == 2
    assert window.ids[1] == FakeEncoder.ids.open
    assert [window.ids[p] for p in window.positions] == [10 + ord(w.text[0]) % 50 for w in tokens[:3]]


def test_cut_window_keeps_flagged_words_inside():
    ids = list(range(100, 300))
    window = cut_window(ids, [150, 152], FakeEncoder.ids, max_tokens=20)
    assert len(window.ids) == 20
    assert [window.ids[p] for p in window.positions] == [250, 252]


@pytest.mark.parametrize(
    ("word", "protected"),
    [
        ("1,700", True),
        ("CSTO", True),
        ("Tileuberdi", True),
        ("Overseas", False),  # a word spinners emit, capitalised inside a title
        ("mentioned", False),
        ("unseen", False),  # lower-case words are always open to the model
    ],
)
def test_is_protected(word, protected):
    assert is_protected(word, spinnable=frozenset({"overseas", "mentioned"})) is protected


def test_span_regions_groups_words_by_sentence():
    paragraph = "Wang mentioned it. The nation agreed."
    regions = span_regions(paragraph, spans_for(paragraph, "mentioned", "nation"))
    assert [[t.text for r in rs for t in r] for _, rs in regions] == [["mentioned"], ["nation"]]


# ---------------------------------------------------------------- labels -> edits


def test_word_outputs_copy_delete_and_case():
    words = textutil.words("Overseas said language")
    assert word_outputs(words, ["foreign", "said", DELETE]) == ["Foreign", None, ""]
    assert word_outputs(words[:1], [COPY]) == [None]


def test_multiword_spin_becomes_one_edit():
    paragraph = "They protested in opposition to the plan."
    words = textutil.words(paragraph)[2:5]
    edits = region_edits(paragraph, words, ["against", "", ""], [0.9, 0.8, 0.95])
    assert [(e.old, e.new) for e in edits] == [("in opposition to", "against")]
    assert edits[0].confidence == pytest.approx(0.8)
    assert apply_edits(paragraph, edits) == "They protested against the plan."


def test_pure_deletion_takes_the_space_before():
    paragraph = "Chinese language Foreign Minister"
    words = textutil.words(paragraph)[:2]
    edits = region_edits(paragraph, words, [None, ""], [0.9, 0.9])
    assert apply_edits(paragraph, edits) == "Chinese Foreign Minister"


def test_edit_that_changes_a_number_is_rejected():
    paragraph = "over the final 12 months"
    words = textutil.words(paragraph)[2:5]
    assert region_edits(paragraph, words, ["last", "year", ""], [0.9, 0.9, 0.9]) == []


# ---------------------------------------------------------------- training data

ROW = {
    "clean": "The minister said security was critical against attacks.",
    "spun": "The minister mentioned safety was critical in opposition to attacks.",
    "subs": [
        {"spun_start": 13, "spun_end": 22, "clean": "said", "spun": "mentioned"},
        {"spun_start": 23, "spun_end": 29, "clean": "security", "spun": "safety"},
        {"spun_start": 43, "spun_end": 59, "clean": "against", "spun": "in opposition to"},
    ],
}


def test_sub_regions_label_first_word_and_delete_the_rest():
    regions = sub_regions(ROW["spun"], ROW["subs"], textutil.words(ROW["spun"]))
    assert [([t.text for t in w], labels) for w, labels in regions] == [
        (["mentioned"], ["said"]),
        (["safety"], ["security"]),
        (["in", "opposition", "to"], ["against", DELETE, DELETE]),
    ]


def test_row_windows_are_seeded_and_cover_every_substitution():
    config = TrainConfig(negative_rate=0.0, jitter_rate=0.0)
    first = row_windows(ROW, random.Random(1), config)
    assert first == row_windows(ROW, random.Random(1), config)
    assert first[0].labels == ("said", "security", "against", DELETE, DELETE)


def test_clean_row_gives_only_copy_labels():
    row = {"clean": "The plan was approved.", "spun": "The plan was approved.", "subs": []}
    windows = row_windows(row, random.Random(0), TrainConfig(negative_rate=1.0))
    assert [w.labels for w in windows] == [("the", "plan", "was", "approved")]


def test_build_labels_and_ids():
    vocab, spinnable = build_labels([ROW, ROW], max_labels=50, min_count=2)
    assert vocab.labels[:2] == [COPY, DELETE]
    assert {"said", "security", "against"} <= set(vocab.labels)
    assert {"mentioned", "opposition"} <= spinnable
    window = LabeledWindow("zyx said", ((textutil.Token(0, 3, "zyx"), textutil.Token(4, 8, "said")),), ("zyx", "said"))
    assert label_ids(window, vocab) == [COPY_ID, vocab.id_of("said")]


def test_label_vocab_rejects_bad_head():
    with pytest.raises(ValueError, match="must start with"):
        LabelVocab(["said", COPY])


# ---------------------------------------------------------------- the shipped model


@pytest.fixture(scope="module")
def restorer() -> ModelRestorer:
    folder = models_dir() / "restorer"
    if not (folder / "config.json").is_file():
        pytest.skip(f"no shipped restorer in {folder}; run 'unspin train restorer'")
    return ModelRestorer.load(folder, models_root=models_dir())


def repaired(restorer: ModelRestorer, paragraph: str, spans) -> str:
    return apply_edits(paragraph, merge_edits(restorer.propose(paragraph, spans), min_confidence=0.5))


@pytest.mark.parametrize(
    ("spun", "needle", "original"),
    [
        ("They protested in opposition to the plan announced by the government.", "in opposition to", "against"),
        ("The company reported a net profit of 5 million dollars for the final quarter.", "final", "last"),
    ],
)
def test_marked_span_is_restored_to_the_exact_original(restorer, spun, needle, original):
    result = repaired(restorer, spun, spans_for(spun, needle))
    assert result == spun.replace(needle, original, 1)


def test_no_spans_or_clean_words_leave_text_identical(restorer):
    clean = "The company said on Tuesday that its profit rose 12 percent in the first quarter."
    assert restorer.propose(clean, []) == []
    assert repaired(restorer, clean, spans_for(clean, "company", "profit", "rose")) == clean


def test_protected_tokens_are_never_changed(restorer):
    paragraph = "Mukhtar Tileuberdi mentioned that NATO sent 3,000 troops in 2021."
    spans = [Span(0, len(paragraph), paragraph, 1.0, "everything")]
    result = repaired(restorer, paragraph, spans)
    for protected in ("Mukhtar Tileuberdi", "NATO", "3,000", "2021"):
        assert protected in result
