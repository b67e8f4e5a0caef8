"""The archive index on disk: one SQLite file (stdlib ``sqlite3``), no server.

Layout (``FORMAT_VERSION`` 1)::

    meta(key, value)                      format and unspin versions, shingle signature, counts
    documents(id, name UNIQUE, title)     one row per indexed document (a file or a JSONL/CSV record)
    paragraphs(id, document, number, text)  number is 1-based within its document
    postings(hash, paragraph)             WITHOUT ROWID, primary key (hash, paragraph)

Postings are plain shingle -> paragraph rows rather than MinHash/LSH bands: a spun paragraph
keeps only part of its shingles, and counting shared shingles per candidate (what the
postings give directly) ranks a 50%-spun copy above unrelated text better than a fixed
number of band collisions would, with no tuning of bands and rows.

Readers open the file read-only and validate it (``open_index``); writers either build a new
file beside the target and rename it into place (``IndexWriter.create``) or extend an existing
one inside a single transaction (``IndexWriter.extend``), so an interrupted build leaves the
old index or none, never a half-written one.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.archive.shingles import SHINGLE_SIGNATURE, fingerprint
from repair.errors import UnspinError

FORMAT_VERSION = "1"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, title TEXT);
CREATE TABLE paragraphs (id INTEGER PRIMARY KEY, document INTEGER NOT NULL, number INTEGER NOT NULL,
                         text TEXT NOT NULL);
CREATE TABLE postings (hash INTEGER NOT NULL, paragraph INTEGER NOT NULL,
                       PRIMARY KEY (hash, paragraph)) WITHOUT ROWID;
"""
REQUIRED_TABLES = frozenset({"meta", "documents", "paragraphs", "postings"})
# Rows buffered before one sorted executemany: sorted inserts keep the postings B-tree writes
# mostly sequential, which is what makes builds of millions of paragraphs practical.
FLUSH_POSTINGS = 400_000


class ArchiveError(UnspinError):
    """Base class for problems with an archive index."""


class IndexMissingError(ArchiveError):
    """The index file does not exist."""


class IndexCorruptError(ArchiveError):
    """The file is not a readable archive index (not SQLite, tables missing, truncated)."""


class IndexVersionError(ArchiveError):
    """The index was written in another format (by another unspin version)."""


class IndexExistsError(ArchiveError):
    """Building would overwrite an existing index without --append or --replace."""


@dataclass(frozen=True)
class IndexInfo:
    """What ``meta`` says about an index."""

    path: Path
    format_version: str
    unspin_version: str
    documents: int
    paragraphs: int
    created: str
    updated: str


@dataclass(frozen=True)
class StoredParagraph:
    """A paragraph of the archive with the document it came from."""

    id: int
    document: str
    number: int
    text: str


def unspin_version() -> str:
    from repair.version import __version__

    return __version__


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def open_index(path: Path | str) -> sqlite3.Connection:
    """Open an index read-only after checking that it is one, in this format.

    Raises:
        IndexMissingError, IndexCorruptError, IndexVersionError: with the path in the message.
    """
    path = Path(path)
    if not path.is_file():
        raise IndexMissingError(f"archive index {str(path)!r} not found (build one with 'unspin index PATH... -o {path}')")
    try:
        recover(path)
        connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, check_same_thread=False)
        check_schema(connection, path)
    except sqlite3.DatabaseError as error:
        raise IndexCorruptError(f"archive index {str(path)!r} is unreadable ({error}); rebuild it with 'unspin index'") from error
    return connection


def recover(path: Path) -> None:
    """Roll back an extension that was killed mid-way (its journal is still beside the file).

    A read-only connection cannot roll back a hot journal, so one read-write connection
    does it first; SQLite restores the index as it was before the extension began.
    """
    if Path(f"{path}-journal").exists():
        connection = sqlite3.connect(path)
        try:
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()


def check_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Raise unless ``connection`` holds an index of FORMAT_VERSION and this shingle scheme."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not REQUIRED_TABLES <= tables:
        missing = ", ".join(sorted(REQUIRED_TABLES - tables))
        raise IndexCorruptError(f"{str(path)!r} is not an unspin archive index (missing tables: {missing})")
    meta = read_meta(connection)
    found = meta.get("format_version")
    if found != FORMAT_VERSION or meta.get("shingles") != SHINGLE_SIGNATURE:
        raise IndexVersionError(
            f"archive index {str(path)!r} has format {found!r} (written by unspin {meta.get('unspin_version', '?')}); "
            f"unspin {unspin_version()} reads format {FORMAT_VERSION!r}: rebuild it with 'unspin index --replace'")


def read_meta(connection: sqlite3.Connection) -> dict[str, str]:
    return dict(connection.execute("SELECT key, value FROM meta"))


def index_info(connection: sqlite3.Connection, path: Path) -> IndexInfo:
    meta = read_meta(connection)
    return IndexInfo(path, meta["format_version"], meta.get("unspin_version", "?"), int(meta.get("documents", 0)),
                     int(meta.get("paragraphs", 0)), meta.get("created", ""), meta.get("updated", ""))


def fetch_paragraphs(connection: sqlite3.Connection, ids: Sequence[int]) -> dict[int, StoredParagraph]:
    """Paragraph rows by id, with their document's name."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = connection.execute(
        f"SELECT p.id, d.name, p.number, p.text FROM paragraphs p JOIN documents d ON d.id = p.document "
        f"WHERE p.id IN ({marks})", list(ids))
    return {row[0]: StoredParagraph(*row) for row in rows}


def posting_lists(connection: sqlite3.Connection, hashes: Iterable[int], cap: int) -> list[list[int]]:
    """Paragraph ids per shingle; shingles in more than ``cap`` paragraphs give an empty list.

    Such shingles ("of the U.S.") say nothing about which paragraph a text came from, and
    reading their long lists would dominate the lookup time.
    """
    lists = []
    for value in hashes:
        rows = connection.execute("SELECT paragraph FROM postings WHERE hash = ? LIMIT ?", (value, cap + 1)).fetchall()
        lists.append([] if len(rows) > cap else [row[0] for row in rows])
    return lists


class IndexWriter:
    """Adds documents to an index; use ``create`` or ``extend``, as a context manager.

    Leaving the ``with`` block normally commits (and, for ``create``, renames the finished
    file into place); leaving it by an exception, Ctrl-C included, discards everything.
    """

    def __init__(self, connection: sqlite3.Connection, target: Path, temp: Path | None) -> None:
        self.connection = connection
        self.target = target
        self.temp = temp
        self.added_documents = 0
        self.skipped_documents = 0
        self.added_paragraphs = 0
        self._pending: list[tuple[int, int]] = []
        self._next_paragraph = 1 + (connection.execute("SELECT COALESCE(MAX(id), 0) FROM paragraphs").fetchone()[0])

    @classmethod
    def create(cls, target: Path | str) -> "IndexWriter":
        """A new index written to a temp file beside ``target``, renamed over it on success."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.unspin-part")
        temp.unlink(missing_ok=True)
        connection = sqlite3.connect(temp, isolation_level=None)
        # The rename is what makes the build atomic, so the temp file needs no journal.
        connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;")
        connection.executescript(SCHEMA)
        stamp = _now()
        meta = {"format_version": FORMAT_VERSION, "unspin_version": unspin_version(), "shingles": SHINGLE_SIGNATURE,
                "created": stamp, "updated": stamp, "documents": "0", "paragraphs": "0"}
        connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        connection.execute("BEGIN")
        return cls(connection, target, temp)

    @classmethod
    def extend(cls, target: Path | str) -> "IndexWriter":
        """Add to an existing, valid index inside one transaction (rolled back if interrupted)."""
        target = Path(target)
        open_index(target).close()  # same checks and errors as a reader
        connection = sqlite3.connect(target, isolation_level=None)
        connection.executescript("PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;")
        connection.execute("BEGIN IMMEDIATE")
        return cls(connection, target, None)

    def __enter__(self) -> "IndexWriter":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.finish()
        else:
            self.abort()

    def has_document(self, name: str) -> bool:
        return self.connection.execute("SELECT 1 FROM documents WHERE name = ?", (name,)).fetchone() is not None

    def add_document(self, name: str, paragraphs: Sequence[str], title: str | None = None,
                     shingles: Sequence[Iterable[int]] | None = None) -> bool:
        """Add one document's paragraphs; a name already in the index is skipped (returns False).

        Args:
            name: the document's id (JSONL ``id``, or the file path).
            paragraphs: its paragraphs in order, numbered from 1.
            title: headline, if any (kept for reports).
            shingles: precomputed shingle hashes per paragraph (the Ray engine computes them
                on its workers); computed here when None.
        """
        if self.has_document(name):
            self.skipped_documents += 1
            return False
        cursor = self.connection.execute("INSERT INTO documents (name, title) VALUES (?, ?)", (name, title))
        document = cursor.lastrowid
        rows = []
        for number, text in enumerate(paragraphs, start=1):
            paragraph = self._next_paragraph
            self._next_paragraph += 1
            rows.append((paragraph, document, number, text))
            hashes = fingerprint(text).shingles if shingles is None else shingles[number - 1]
            self._pending.extend((value, paragraph) for value in hashes)
        self.connection.executemany("INSERT INTO paragraphs VALUES (?, ?, ?, ?)", rows)
        self.added_documents += 1
        self.added_paragraphs += len(rows)
        if len(self._pending) >= FLUSH_POSTINGS:
            self._flush()
        return True

    def _flush(self) -> None:
        self._pending.sort()
        self.connection.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)", self._pending)
        self._pending = []

    def finish(self) -> None:
        """Write the counts, commit, and (for a new index) rename it into place."""
        try:
            self._flush()
            counts = {"documents": self.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
                      "paragraphs": self.connection.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]}
            updates = {**{k: str(v) for k, v in counts.items()}, "updated": _now(), "unspin_version": unspin_version()}
            self.connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", updates.items())
            self.connection.execute("COMMIT")
            self.connection.close()
        except BaseException:
            self.abort()
            raise
        if self.temp is not None:
            os.replace(self.temp, self.target)

    def abort(self) -> None:
        """Discard everything written by this writer."""
        try:
            self.connection.rollback()
            self.connection.close()
        except sqlite3.Error:
            pass  # the connection is being thrown away: rollback is best effort
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
