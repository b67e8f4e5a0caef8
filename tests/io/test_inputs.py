"""Collecting inputs (repair/io/inputs.py): folders, globs, explicit files, problems found up front."""
from __future__ import annotations

from repair.io.inputs import STDIN, InputItem, collect_inputs, matches
from tests.io.tiny import SPUN


def test_outdir_inside_the_input_folder_is_not_walked(tmp_path):
    (tmp_path / "spun.txt").write_text(SPUN)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous output")
    items = collect_inputs([str(tmp_path)], skip=[out])
    assert [i.rel for i in items] == ["spun.txt"]


def test_include_exclude_globs(mixed):
    rels = [i.rel for i in collect_inputs([str(mixed)], include=["*.txt"], exclude=["sub/*", "big.*"])]
    assert rels == ["clean.txt", "empty.txt", "latin1.txt", "pipe.txt", "spun.txt", "utf16-nobom.txt", "utf16.txt"]


def test_several_arguments_keep_their_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "y.txt").write_text("y")
    items = collect_inputs([str(tmp_path / "a"), str(tmp_path / "y.txt"), str(tmp_path / "missing.txt")])
    assert [(i.rel, bool(i.error)) for i in items] == [("a/x.txt", False), ("y.txt", False), ("missing.txt", True)]
    assert "no such file" in items[2].error


def test_walk_reports_problems_in_sorted_order(mixed):
    items = {i.rel: i for i in collect_inputs([str(mixed)])}
    # Depth first, sorted by name: a folder's files before its subfolders' files.
    assert list(items) == ["big.txt", "clean.txt", "empty.txt", "image.bin", "latin1.txt", "pipe.txt", "spun.txt",
                           "utf16-nobom.txt", "utf16.txt", "sub/crlf.txt", "sub/loop", "sub/deeper/notes.md"]
    assert items["sub/loop"].status == "skipped" and "symbolic link loop" in items["sub/loop"].error
    # Files found in folders are opened only when processed; a named pipe fails there (test_batch).
    assert not items["pipe.txt"].error and not items["clean.txt"].error


def test_stdin_and_globs():
    assert collect_inputs([STDIN]) == [InputItem(STDIN, "stdin")]
    assert matches("a/b/c.txt", ["*.txt"]) and matches("a/b/c.txt", ["a/*"]) and not matches("a/b/c.md", ["*.txt"])
