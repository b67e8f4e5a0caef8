"""Reading and repairing one input for its review page (repair/io/review.py), on the tiny real pipeline."""
from __future__ import annotations

from pathlib import Path

import pytest

from repair.errors import InputError
from repair.io.formats import format_for
from repair.io.inputs import InputItem
from repair.io.options import BatchOptions
from repair.io.review import page_path, review_page, review_result
from tests.io.tiny import FIXED, SPUN, tiny_repairer


def test_plain_text_is_repaired_whole():
    result = review_result(tiny_repairer(), format_for("a.txt"), SPUN)
    assert result.text == FIXED
    assert {e.new for e in result.edits} == {"said", "Security Treaty Organization"}
    assert result.detection.spun and result.detection.words > 0
    assert [(m.old, m.new) for m in result.substitution_map if m.old == "mentioned"] == [("mentioned", "said")]


def test_markdown_code_is_left_alone_and_offsets_index_the_whole_file():
    text = "# Notes\n\nThe minister mentioned talks.\n\n```\nmentioned\n```\n\nShe mentioned it.\n"
    result = review_result(tiny_repairer(), format_for("a.md"), text)
    assert len(result.edits) == 2 and all(text[e.start : e.end] == e.old == "mentioned" for e in result.edits)
    assert "```\nmentioned\n```" in result.text
    assert result.detection.spans and all(text[s.start : s.end] == s.text for s in result.detection.spans)


def test_record_formats_are_refused_with_a_reason():
    with pytest.raises(InputError, match="jsonl input holds records"):
        review_result(tiny_repairer(), format_for("a.jsonl"), '{"text": "x"}\n')


def test_review_page_reads_a_file_and_names_it(tmp_path):
    path = tmp_path / "spun.txt"
    path.write_text(SPUN, encoding="utf-8")
    page, result = review_page(tiny_repairer(), InputItem(str(path), "spun.txt"), BatchOptions())
    assert "<title>Unspin review: spun.txt</title>" in page and 'class="e src-model"' in page
    assert result.text == FIXED
    with pytest.raises(InputError, match="missing"):
        review_page(tiny_repairer(), InputItem(str(tmp_path / "gone.txt"), "gone.txt", error="gone.txt: missing"), BatchOptions())


def test_page_path_mirrors_the_relative_path(tmp_path):
    assert page_path(InputItem("in/sub/a.md", "sub/a.md"), tmp_path) == tmp_path / "sub" / "a.md.html"
