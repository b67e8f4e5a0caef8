"""The index file: atomic builds, extension in one transaction, clear errors for bad indexes."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from repair.archive import (
    Archive,
    IndexCorruptError,
    IndexExistsError,
    IndexMissingError,
    IndexVersionError,
    SourceDocument,
    build_index,
    iter_documents,
)
from repair.archive.store import FORMAT_VERSION, open_index
from repair.errors import UnspinError

from tests.archive.archive_samples import ARTICLES


def counts(path) -> tuple[int, int]:
    with Archive.open(path) as archive:
        info = archive.info()
    return info.documents, info.paragraphs


def test_build_records_versions_and_counts(index_path):
    with Archive.open(index_path) as archive:
        info = archive.info()
    assert (info.format_version, info.documents, info.paragraphs) == (FORMAT_VERSION, 3, 7)
    assert info.unspin_version


def test_errors_are_unspin_errors():
    assert issubclass(IndexMissingError, UnspinError) and issubclass(IndexVersionError, UnspinError)


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissingError, match="not found"):
        Archive.open(tmp_path / "none.db")


def test_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(IndexCorruptError, match="unreadable"):
        Archive.open(path)


def test_sqlite_file_without_index_tables(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (x)")
    with pytest.raises(IndexCorruptError, match="missing tables"):
        Archive.open(path)


def test_truncated_index(index_path):
    data = index_path.read_bytes()
    index_path.write_bytes(data[: len(data) // 3])
    with pytest.raises((IndexCorruptError, IndexVersionError)):
        Archive.open(index_path).trace_text("The foreign minister said on Monday that security forces had been deployed.")


def test_index_of_another_format_version(index_path):
    with sqlite3.connect(index_path) as connection:
        connection.execute("UPDATE meta SET value = '999' WHERE key = 'format_version'")
        connection.execute("UPDATE meta SET value = '9.9.9' WHERE key = 'unspin_version'")
    with pytest.raises(IndexVersionError, match=r"format '999' \(written by unspin 9\.9\.9\).*--replace"):
        Archive.open(index_path)


def test_create_refuses_to_overwrite(index_path, corpus_file):
    with pytest.raises(IndexExistsError, match="--append"):
        build_index(iter_documents([str(corpus_file)]), index_path)


def test_append_adds_new_documents_and_skips_known_ones(index_path):
    extra = [SourceDocument("wire/1", ("ignored, already indexed",)), SourceDocument("wire/9", ("A new paragraph.", "Another."))]
    stats = build_index(extra, index_path, mode="append")
    assert (stats.documents, stats.skipped_documents, stats.paragraphs) == (1, 1, 2)
    assert counts(index_path) == (4, 9)


def test_replace_rebuilds(index_path):
    build_index([SourceDocument("only", ("One paragraph of text here.",))], index_path, mode="replace")
    assert counts(index_path) == (1, 1)


def _interrupted(documents):
    yield from documents
    raise KeyboardInterrupt


def test_interrupted_build_leaves_no_index(tmp_path):
    target = tmp_path / "new.db"
    documents = [SourceDocument(name, tuple(paras)) for name, paras in ARTICLES.items()]
    with pytest.raises(KeyboardInterrupt):
        build_index(_interrupted(documents), target)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_replace_keeps_the_old_index(index_path):
    with pytest.raises(KeyboardInterrupt):
        build_index(_interrupted([SourceDocument("x", ("Some text.",))]), index_path, mode="replace")
    assert counts(index_path) == (3, 7)
    assert sorted(p.name for p in index_path.parent.iterdir()) == ["archive.db", "articles.jsonl"]


def test_interrupted_append_rolls_back(index_path):
    with pytest.raises(KeyboardInterrupt):
        build_index(_interrupted([SourceDocument("wire/9", ("Some new text.",))]), index_path, mode="append")
    assert counts(index_path) == (3, 7)


def test_killed_append_is_rolled_back_on_next_open(index_path):
    # SIGKILL leaves SQLite's journal behind; the next open must restore the old index.
    script = textwrap.dedent(f"""
        import os, signal
        from repair.archive.store import IndexWriter
        writer = IndexWriter.extend({str(index_path)!r})
        for i in range(50):
            writer.add_document(f"killed/{{i}}", ["The minister said on Monday that talks will be held."] * 20)
        writer._flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    assert index_path.with_name("archive.db-journal").exists()
    assert counts(index_path) == (3, 7)


def test_open_index_is_read_only(index_path):
    connection = open_index(index_path)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM documents")


def test_ray_workers_function_gives_the_same_index_as_local(tmp_path):
    # The Ray engine runs shingle_batch on workers and writes what comes back; without Ray
    # installed the function itself is checked against the local path.
    import json

    from repair.archive.build import shingle_batch
    from repair.archive.store import IndexWriter

    documents = [SourceDocument(name, tuple(paras)) for name, paras in ARTICLES.items()]
    out = shingle_batch({"i": list(range(len(documents))), "paragraphs": [json.dumps(d.paragraphs) for d in documents]})
    with IndexWriter.create(tmp_path / "ray.db") as writer:
        for document, shingles in zip(documents, out["shingles"]):
            writer.add_document(document.name, document.paragraphs, shingles=json.loads(shingles))
    build_index(documents, tmp_path / "local.db")
    rows = [sorted(sqlite3.connect(tmp_path / name).execute("SELECT hash, paragraph FROM postings")) for name in ("ray.db", "local.db")]
    assert rows[0] == rows[1] and rows[0]


@pytest.mark.slow
def test_ray_engine_builds_the_same_index_as_local(tmp_path):
    pytest.importorskip("ray")
    documents = [SourceDocument(name, tuple(paras)) for name, paras in ARTICLES.items()]
    build_index(documents, tmp_path / "ray.db", engine="ray")
    build_index(documents, tmp_path / "local.db")
    rows = [sorted(sqlite3.connect(tmp_path / name).execute("SELECT hash, paragraph FROM postings")) for name in ("ray.db", "local.db")]
    assert rows[0] == rows[1] and rows[0]
