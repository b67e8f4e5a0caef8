"""Report building blocks (repair/evaluate/markup.py): number formats, word diffs, tables."""
from __future__ import annotations

from repair.evaluate.markup import clip, diff_html, diff_markdown, fmt, fmt_ci, fmt_delta, page, table_md


def test_diff_markup():
    assert diff_markdown("He mentioned it.", "He said it.") == "He [-mentioned-]{+said+} it."
    assert diff_html("a <b> c", "a <b> d") == "a &lt;b&gt; <del>c</del><ins>d</ins>"
    assert diff_markdown("same", "same") == "same"
    assert diff_markdown("", "new") == "{+new+}"


def test_number_formats():
    assert (fmt(None), fmt(1.234), fmt(0.5, 3)) == ("n/a", "1.23", "0.500")
    assert fmt_ci([1, 2.5]) == " [1.00, 2.50]" and fmt_ci(None) == ""
    assert fmt_delta({"delta": 1.5, "ci": [0.5, 2.5], "p_value": 0.01}) == "+1.50 [0.50, 2.50] p=0.010"
    assert fmt_delta(None) == ""


def test_tables_escape_pipes_and_pages_escape_titles():
    assert table_md(["a", "b"], [["x|y", "1"]]) == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]
    assert "<title>a &lt;b&gt;</title>" in page("a <b>", "")
    assert clip("abcdef", 3) == "abc …" and clip("abc", 3) == "abc"
