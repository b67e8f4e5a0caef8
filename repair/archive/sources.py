"""Documents to index, read from text files, folders, JSON lines and CSV (gzip too).

A text file is one document (paragraphs are its non-empty lines, as everywhere in unspin);
each JSONL record or CSV row is one document, its text in ``field`` and its name in ``id``
when there is one. Unreadable inputs are reported, not fatal: ``iter_documents`` yields an
``InputProblem`` for them and goes on.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.errors import InputError
from repair.text import paragraphs

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz", ".md", ".text", "")
STDIN = "-"


@dataclass(frozen=True)
class SourceDocument:
    """One document to index."""

    name: str
    paragraphs: tuple[str, ...]
    title: str | None = None


@dataclass(frozen=True)
class InputProblem:
    """An input (or one record of it) that could not be read."""

    name: str
    message: str


def kind_of(path: Path) -> str:
    """'jsonl', 'csv' or 'text', from the file name."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return "text"


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files in the order given; folders replaced by their indexable files, sorted."""
    found: list[str] = []
    for raw in inputs:
        path = Path(raw)
        if raw != STDIN and path.is_dir():
            found.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file() and _indexable(p))
        else:
            found.append(raw)
    return found


def _indexable(path: Path) -> bool:
    name = path.name.lower()
    if name.startswith("."):
        return False
    return name.endswith(JSONL_SUFFIXES + CSV_SUFFIXES) or path.suffix.lower() in TEXT_SUFFIXES or name.endswith(".txt.gz")


def iter_documents(inputs: Sequence[str], field: str = "text", id_field: str = "id",
                   title_field: str = "title") -> Iterator[SourceDocument | InputProblem]:
    """Documents from every input, in order; problems are yielded in place of what failed."""
    for name in expand_inputs(inputs):
        try:
            yield from _read_one(name, field, id_field, title_field)
        except InputError as error:
            yield InputProblem(name, str(error))


def _read_one(name: str, field: str, id_field: str, title_field: str) -> Iterator[SourceDocument | InputProblem]:
    if name == STDIN:
        yield document_from_text("<stdin>", sys.stdin.read())
        return
    path = Path(name)
    kind = kind_of(path)
    try:
        with _open_text(path) as handle:
            if kind == "jsonl":
                yield from _jsonl(name, handle, field, id_field, title_field)
            elif kind == "csv":
                yield from _csv(name, handle, field, id_field, title_field)
            else:
                yield document_from_text(name, handle.read())
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as error:
        raise InputError(f"cannot read {name!r}: {error}") from error


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def document_from_text(name: str, text: str, title: str | None = None) -> SourceDocument:
    """A document whose paragraphs are the non-empty lines of ``text``."""
    return SourceDocument(name, tuple(p.text.strip() for p in paragraphs(text) if p.text.strip()), title)


def _jsonl(name: str, handle, field: str, id_field: str, title_field: str) -> Iterator[SourceDocument | InputProblem]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield InputProblem(where, f"not JSON: {error}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get(field), str):
            yield InputProblem(where, f"no string field {field!r}")
            continue
        yield document_from_text(str(record.get(id_field) or where), record[field], _title(record.get(title_field)))


def _csv(name: str, handle, field: str, id_field: str, title_field: str) -> Iterator[SourceDocument | InputProblem]:
    delimiter = "\t" if ".tsv" in name.lower() else ","
    reader = csv.DictReader(handle, delimiter=delimiter)
    if reader.fieldnames is None or field not in reader.fieldnames:
        raise InputError(f"{name!r} has no column {field!r} (columns: {reader.fieldnames})")
    for number, row in enumerate(reader, start=2):
        yield document_from_text(str(row.get(id_field) or f"{name}:{number}"), row[field] or "", _title(row.get(title_field)))


def _title(value) -> str | None:
    return value if isinstance(value, str) and value else None
