"""Which parts of each format are prose, and rebuilding documents from repaired units."""
from __future__ import annotations

import json

import pytest

from repair.errors import InputError
from repair.io.formats import Csv, Html, JsonLines, Markdown, PlainText, format_for, split_lines

MARKDOWN = """---
title: mentioned in front matter
---
# He mentioned it

Text with `mentioned code` and [mentioned link](http://x.org/mentioned) and ![img](mentioned.png).

```python
mentioned = True
```

    mentioned indented code

See https://example.com/mentioned and <b>mentioned</b> here.
[ref]: http://example.com/mentioned
"""


def swap(text: str) -> str:
    return text.replace("mentioned", "said")


def round_trip(fmt, document: str, change=swap) -> str:
    units = fmt.units(document)
    return fmt.rebuild(document, units, [change(u.text) for u in units])


@pytest.mark.parametrize("fmt", [PlainText(), Markdown(), Html(), JsonLines(), Csv()])
@pytest.mark.parametrize("document", ["", "\n"])
def test_empty_documents_have_no_units(fmt, document):
    assert round_trip(fmt, document) == document


def test_unchanged_units_give_the_document_itself():
    for fmt, document in [(Markdown(), MARKDOWN), (JsonLines(), '{"text":"a","n":1}\n'), (Csv(), "id,text\n1,\"a, b\"\r\n")]:
        assert round_trip(fmt, document, change=lambda t: t) is document


def test_markdown_repairs_prose_only():
    out = round_trip(Markdown(), MARKDOWN)
    assert "# He said it" in out
    assert "mentioned in front matter" in out
    assert "`mentioned code`" in out
    assert "[mentioned link](http://x.org/mentioned)" in out
    assert "![img](mentioned.png)" in out
    assert "mentioned = True" in out
    assert "    mentioned indented code" in out
    assert "https://example.com/mentioned" in out
    assert "[ref]: http://example.com/mentioned" in out
    assert "<b>said</b>" in out  # inline HTML tags are kept, their text is prose
    assert out.count("said") == 2


def test_markdown_unclosed_fence_protects_to_the_end():
    document = "Intro mentioned.\n```\nmentioned\n"
    assert round_trip(Markdown(), document) == "Intro said.\n```\nmentioned\n"


def test_html_text_nodes_only():
    document = '<p class="mentioned">He mentioned &amp; <i>mentioned</i></p><script>mentioned()</script><!-- mentioned -->'
    out = round_trip(Html(), document)
    assert out == '<p class="mentioned">He said &amp; <i>said</i></p><script>mentioned()</script><!-- mentioned -->'


def test_jsonl_keeps_other_fields_and_unchanged_lines_byte_identical():
    lines = [
        '{"id": 1, "text": "He mentioned it", "tags": ["mentioned"]}\n',
        '{"id":2,"text":"clean \\u00e9"}\r\n',
        '\n',
        '{"id": 3, "title": "no text field mentioned"}\n',
        '{"id": 4, "text": "caf\u00e9 mentioned \u2028 sep"}',
    ]
    out = split_lines(round_trip(JsonLines(), "".join(lines)))
    assert json.loads(out[0]) == {"id": 1, "text": "He said it", "tags": ["mentioned"]}
    assert out[1:4] == lines[1:4]
    assert out[4] == '{"id": 4, "text": "caf\u00e9 said \u2028 sep"}'


def test_jsonl_field_option_and_bad_lines():
    assert [u.text for u in JsonLines(field="body").units('{"body": "x"}\n{"text": "y"}\n')] == ["x"]
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        JsonLines().units('{"text": "ok"}\n{broken\n')
    with pytest.raises(InputError, match="line 1: expected a JSON object"):
        JsonLines().units("[1, 2]\n")


def test_csv_rewrites_only_changed_records():
    document = 'id,text,note\r\n1,"He mentioned, then left",mentioned\r\n2,clean,"multi\nline"\r\n3,"quote ""mentioned""",x\r\n'
    out = round_trip(Csv(), document)
    assert out == 'id,text,note\r\n1,"He said, then left",mentioned\r\n2,clean,"multi\nline"\r\n3,"quote ""said""",x\r\n'


def test_csv_tab_and_missing_column():
    assert round_trip(format_for("a.tsv"), "id\ttext\n1\tmentioned\n") == "id\ttext\n1\tsaid\n"
    with pytest.raises(InputError, match="no column 'body'"):
        Csv(field="body").units("id,text\n1,x\n")


@pytest.mark.parametrize(
    "path, name, expected",
    [("a.md", "auto", "markdown"), ("a.HTML", "auto", "html"), ("a.jsonl", "auto", "jsonl"), ("a.csv", "auto", "csv"),
     ("a.txt", "auto", "text"), ("a", "auto", "text"), ("a.txt", "markdown", "markdown")],
)
def test_format_for(path, name, expected):
    assert format_for(path, name).name == expected


def test_unknown_format_name():
    with pytest.raises(ValueError, match="unknown input format 'rtf'"):
        format_for("a.rtf", "rtf")
