"""Encoder windows (repair.restore.seq2seq.windows): marking, cutting, padding, regions."""
from __future__ import annotations

import pytest
import torch

from repair import text as textutil
from repair.restore.seq2seq.windows import (
    PieceIds,
    Window,
    cut_window,
    encode_window,
    fits,
    pad_rows,
    sentence_local,
    span_regions,
    window_chunks,
)
from tests.restore.conftest import spans_for

SPECIAL = PieceIds(bos=1, eos=2, pad=0, open=3, close=4)


def test_window_chunks_marks_each_region_in_order():
    text = "He mentioned the plan."
    region = [textutil.words(text)[1]]
    assert window_chunks(text, [region]) == [
        ("text", "He "), ("open", ""), ("word", "mentioned"), ("close", ""), ("text", " the plan."),
    ]


def test_encode_window_marks_regions_and_points_at_each_flagged_word(wordpiece):
    text = "They protested in opposition to it."
    tokens = textutil.words(text)
    window = encode_window(wordpiece, text, [tokens[2:5]], max_tokens=64)
    ids = wordpiece.ids
    assert (window.ids[0], window.ids[-1]) == (ids.bos, ids.eos)
    assert window.ids.count(ids.open) == 1 and window.ids.count(ids.close) == 1
    first_pieces = [wordpiece.encode_batch([t.text])[0][0] for t in tokens[2:5]]
    assert [window.ids[p] for p in window.positions] == first_pieces
    assert window.ids.index(ids.open) < window.positions[0] and window.positions[-1] < window.ids.index(ids.close)


def test_cut_window_keeps_flagged_words_inside():
    ids = list(range(100, 300))
    window = cut_window(ids, [150, 152], SPECIAL, max_tokens=20)
    assert len(window.ids) == 20
    assert [window.ids[p] for p in window.positions] == [250, 252]
    assert fits(window, 2, 20)


def test_cut_window_leaves_a_short_window_whole():
    window = cut_window([7, 8, 9], [1], SPECIAL, max_tokens=20)
    assert window == Window((1, 7, 8, 9, 2), (2,))


@pytest.mark.parametrize(
    ("positions", "expected", "fit"),
    [((3, 5), 2, True), ((3,), 2, False), ((0, 5), 2, False), ((3, 19), 2, False)],
)
def test_fits_needs_every_flagged_word_inside_the_cut(positions, expected, fit):
    assert fits(Window(tuple(range(20)), positions), expected, max_tokens=20) is fit


def test_pad_rows_pads_right_and_masks_the_padding():
    ids, mask = pad_rows([(5, 6, 7), (8,)], pad=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert ids.dtype == mask.dtype == torch.long


def test_span_regions_groups_words_by_sentence():
    paragraph = "Wang mentioned it. The nation agreed."
    regions = span_regions(paragraph, spans_for(paragraph, "mentioned", "nation"))
    assert [[t.text for r in rs for t in r] for _, rs in regions] == [["mentioned"], ["nation"]]
    assert [s.text for s, _ in regions] == ["Wang mentioned it.", "The nation agreed."]


def test_span_regions_a_word_belongs_to_the_first_span_only():
    paragraph = "They protested in opposition to it."
    spans = spans_for(paragraph, "in opposition", "opposition to")
    ((_, regions),) = span_regions(paragraph, spans)
    assert [[t.text for t in r] for r in regions] == [["in", "opposition"], ["to"]]


def test_span_regions_without_spans_is_empty():
    assert span_regions("Nothing flagged here.", []) == []


def test_sentence_local_offsets_point_into_the_sentence():
    paragraph = "Wang mentioned it. The nation agreed."
    ((first, _), (second, regions)) = span_regions(paragraph, spans_for(paragraph, "mentioned", "nation"))
    (local,) = sentence_local(regions, second)
    assert second.text[local[0].start : local[0].end] == "nation"
