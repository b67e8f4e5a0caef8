"""`unspin index` and `unspin trace`, run in-process through repair.cli.main."""
from __future__ import annotations

import csv
import importlib.util
import gzip
import io
import json
import sqlite3

import pytest

from repair.cli import main

from tests.archive.archive_samples import ARTICLES, UNRELATED


def test_index_then_trace_json(tmp_path, corpus_file, spinner, capsys):
    index = tmp_path / "a.db"
    assert main(["index", str(corpus_file), "-o", str(index), "-q"]) == 0
    clean = ARTICLES["wire/2"][0] + "\n" + UNRELATED
    spun = tmp_path / "spun.txt"
    spun.write_text(spinner.spin(clean, seed=4, rate=0.5).spun, encoding="utf-8")
    capsys.readouterr()
    assert main(["trace", str(spun), "--index", str(index), "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    first, second = record["paragraphs"]
    assert first["source"]["document"] == "wire/2" and first["source"]["paragraph"] == 1
    assert any(d["restorable"] for d in first["candidates"][0]["diffs"])
    assert second["source"] is None


def test_trace_text_format_and_stdin(index_path, spinner, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(spinner.spin(ARTICLES["wire/3"][1], seed=2, rate=0.4).spun))
    assert main(["trace", "-", "--index", str(index_path)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 paragraphs traced" in out and "<- wire/3 ¶2" in out and " -> " in out


def test_index_reads_folders_gzip_jsonl_and_csv(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text("\n".join(ARTICLES["wire/1"]), encoding="utf-8")
    with gzip.open(tmp_path / "two.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "g/2", "body": "\n".join(ARTICLES["wire/2"])}) + "\n")
    with open(tmp_path / "three.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows([["id", "body"], ["c/3", "\n".join(ARTICLES["wire/3"])]])
    index = tmp_path / "a.db"
    args = ["index", str(folder), str(tmp_path / "two.jsonl.gz"), str(tmp_path / "three.csv"), "-o", str(index),
            "--field", "body", "--format", "json", "-q"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["documents"], summary["paragraphs"]) == (3, 7)
    names = {row[0] for row in sqlite3.connect(index).execute("SELECT name FROM documents")}
    assert names == {str(folder / "one.txt"), "g/2", "c/3"}


def test_existing_index_needs_append_or_replace(index_path, corpus_file, tmp_path, capsys):
    assert main(["index", str(corpus_file), "-o", str(index_path), "-q"]) == 2
    assert "--append" in capsys.readouterr().err
    extra = tmp_path / "extra.txt"
    extra.write_text("A paragraph about something else entirely, written for the append test.\n", encoding="utf-8")
    assert main(["index", str(extra), "-o", str(index_path), "--append", "--format", "json", "-q"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["added_documents"], summary["documents"], summary["paragraphs"]) == (1, 4, 8)


def test_unreadable_input_exits_1_and_indexes_the_rest(tmp_path, corpus_file, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "text": "A fine paragraph of text."}\nnot json\n', encoding="utf-8")
    index = tmp_path / "a.db"
    assert main(["index", str(corpus_file), str(bad), str(tmp_path / "missing.txt"), "-o", str(index), "-q"]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl:2" in err and "missing.txt" in err
    assert sqlite3.connect(index).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 4


@pytest.mark.parametrize("content", [None, b"garbage " * 200], ids=["missing", "not-sqlite"])
def test_trace_with_bad_index_is_a_usage_error(tmp_path, content, capsys):
    index = tmp_path / "bad.db"
    if content is not None:
        index.write_bytes(content)
    text = tmp_path / "t.txt"
    text.write_text("Some text.", encoding="utf-8")
    assert main(["trace", str(text), "--index", str(index)]) == 2
    assert "archive index" in capsys.readouterr().err


def test_trace_missing_input_exits_1(index_path, tmp_path, capsys):
    assert main(["trace", str(tmp_path / "nope.txt"), "--index", str(index_path), "-q"]) == 1
    assert "nope.txt" in capsys.readouterr().err


def test_ray_engine_without_ray_is_a_clear_usage_error(corpus_file, tmp_path, capsys):
    if importlib.util.find_spec("ray") is not None:
        pytest.skip("ray is installed")
    assert main(["index", str(corpus_file), "-o", str(tmp_path / "r.db"), "--engine", "ray", "-q"]) == 2
    assert "pip install" in capsys.readouterr().err
    assert not list(tmp_path.glob("*r.db*"))
