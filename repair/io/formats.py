"""Document formats: which parts of a file are prose to repair, and how to put repairs back.

A format turns a decoded document into ``Unit``s (the prose the pipeline may see) and rebuilds
the document from the repaired units. Everything that is not a unit is copied unchanged:
Markdown code, links and front matter; HTML tags, scripts and entities; JSONL/CSV columns other
than ``--field``. When no unit changes, ``rebuild`` returns the document itself, so clean files
come back byte-identical whatever the format.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from repair.errors import InputError

DEFAULT_FIELD = "text"
LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def split_lines(document: str) -> list[str]:
    """Lines with their endings, split on ``\n`` only: U+2028 and friends may sit inside a JSON
    string or a CSV cell, where ``str.splitlines`` would wrongly cut."""
    return LINE_RE.findall(document)


class RecordError(InputError):
    """A malformed line or record; ``line`` is 1-based within the text that was parsed."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Unit:
    """Prose the pipeline may repair.

    ``start`` is the unit's offset in the document when the unit is a verbatim slice of it
    (text, Markdown, HTML), so edit offsets can be reported against the document; for records
    (JSONL, CSV) it is None and ``record`` is the 0-based record number.
    """

    text: str
    start: int | None = None
    record: int | None = None


class Format(Protocol):
    name: str
    streamable: bool

    def units(self, document: str) -> list[Unit]: ...

    def rebuild(self, document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str: ...


def replace_slices(document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str:
    """Put repaired slices back; units must be sorted, non-overlapping slices of ``document``."""
    if all(unit.text == new for unit, new in zip(units, repaired)):
        return document
    pieces, cursor = [], 0
    for unit, new in zip(units, repaired):
        pieces += [document[cursor : unit.start], new]
        cursor = unit.start + len(unit.text)
    pieces.append(document[cursor:])
    return "".join(pieces)


def slices_between(document: str, protected: Sequence[tuple[int, int]]) -> list[Unit]:
    """Units for the text between protected ``(start, end)`` ranges (sorted, may touch)."""
    units, cursor = [], 0
    for start, end in sorted(protected):
        if start > cursor:
            units.append(Unit(document[cursor:start], cursor))
        cursor = max(cursor, end)
    if cursor < len(document):
        units.append(Unit(document[cursor:], cursor))
    return [u for u in units if u.text.strip()]


@dataclass(frozen=True)
class PlainText:
    """The whole document is prose."""

    name: str = "text"
    streamable: bool = True

    def units(self, document: str) -> list[Unit]:
        return [Unit(document, 0)] if document else []

    def rebuild(self, document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str:
        return replace_slices(document, units, repaired)


FRONT_MATTER_RE = re.compile(r"\A(?:---|\+\+\+)[ \t]*\r?\n.*?^(?:---|\.\.\.|\+\+\+)[ \t]*$", re.S | re.M)
FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[^\n]*$")
INDENTED_CODE_RE = re.compile(r"^(?: {4}|\t)")
MARKDOWN_INLINE_RE = re.compile(
    r"(`+).*?\1"                      # inline code (any number of backticks)
    r"|!?\[[^\]\n]*\]\([^)\n]*\)"     # inline link or image, text and target
    r"|!?\[[^\]\n]*\]\[[^\]\n]*\]"    # reference link
    r"|^[ ]{0,3}\[[^\]\n]+\]:.*$"     # link reference definition
    r"|<[^>\n]+>"                     # autolink or inline HTML
    r"|https?://\S+",                 # bare URL
    re.M,
)


@dataclass(frozen=True)
class Markdown:
    """Prose outside front matter, fenced/indented code, inline code, links, HTML and URLs."""

    name: str = "markdown"
    streamable: bool = False

    def units(self, document: str) -> list[Unit]:
        protected = markdown_blocks(document)
        protected += [m.span() for m in MARKDOWN_INLINE_RE.finditer(document)]
        return slices_between(document, protected)

    def rebuild(self, document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str:
        return replace_slices(document, units, repaired)


def markdown_blocks(document: str) -> list[tuple[int, int]]:
    """Ranges of front matter, fenced code blocks and indented code blocks."""
    front = FRONT_MATTER_RE.match(document)
    ranges = [front.span()] if front else []
    fence, fence_start, offset = "", 0, 0
    previous_blank, in_code = True, False
    for line in document.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        blank = not stripped.strip()
        match = FENCE_RE.match(stripped)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                ranges.append((fence_start, offset + len(line)))
                fence = ""
        elif match:
            fence, fence_start = match.group(1), offset
        elif not blank and INDENTED_CODE_RE.match(stripped) and (previous_blank or in_code):
            ranges.append((offset, offset + len(line)))
            in_code = True
        else:
            in_code = in_code and blank  # blank lines inside an indented block keep it open
        previous_blank = blank
        offset += len(line)
    if fence:  # an unclosed fence runs to the end of the document
        ranges.append((fence_start, len(document)))
    return ranges


HTML_PROTECTED_RE = re.compile(
    r"<!--.*?-->"
    r"|<(script|style|pre|code|textarea)\b.*?</\1\s*>"
    r"|<![^>]*>|<\?.*?\?>"
    r"|<[^>]*>"
    r"|&(?:#\d+|#x[0-9a-fA-F]+|\w+);",
    re.S | re.I,
)


@dataclass(frozen=True)
class Html:
    """Text nodes only: tags, comments, scripts, styles, code and entities are left as they are."""

    name: str = "html"
    streamable: bool = False

    def units(self, document: str) -> list[Unit]:
        return slices_between(document, [m.span() for m in HTML_PROTECTED_RE.finditer(document)])

    def rebuild(self, document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str:
        return replace_slices(document, units, repaired)


@dataclass(frozen=True)
class JsonLines:
    """One JSON object per line; the string in ``field`` is prose, everything else is kept.

    Only lines whose text changed are re-serialised (keys in their order, non-ASCII kept as in
    the input); other lines stay byte-identical. Lines without the field are left alone.
    """

    field: str = DEFAULT_FIELD
    name: str = "jsonl"
    streamable: bool = True

    def units(self, document: str) -> list[Unit]:
        units = []
        for number, line in enumerate(split_lines(document)):
            value = self.parse(line, number).get(self.field) if line.strip() else None
            if isinstance(value, str):
                if match := re.search("[\ud800-\udfff]", value):  # "\ud800" is valid JSON, not valid text
                    raise RecordError(number + 1, f"{self.field!r} has an unpaired surrogate {match.group()!r}, not valid Unicode")
                units.append(Unit(value, None, number))
        return units

    def parse(self, line: str, number: int) -> dict:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise RecordError(number + 1, f"not valid JSON ({error.msg})") from None
        except (ValueError, RecursionError) as error:  # an integer over 4300 digits, deep nesting
            raise RecordError(number + 1, f"not readable JSON ({type(error).__name__}: {str(error)[:80]})") from None
        if not isinstance(value, dict):
            raise RecordError(number + 1, f"expected a JSON object, got {type(value).__name__}")
        return value

    def rebuild(self, document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str:
        changed = {u.record: new for u, new in zip(units, repaired) if u.text != new}
        if not changed:
            return document
        lines = split_lines(document)
        for number, new in changed.items():
            body = lines[number].rstrip("\r\n")
            obj = self.parse(body, number)
            obj[self.field] = new
            lines[number] = dump_like(obj, body) + lines[number][len(body) :]
        return "".join(lines)


def dump_like(obj: dict, original: str) -> str:
    """Serialise ``obj`` in the style of the original line (ASCII escapes, separators)."""
    ensure_ascii = original.isascii() and "\\u" in original
    compact = '":"' in original or '",' in original and '", ' not in original
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(obj, ensure_ascii=ensure_ascii, separators=separators)


@dataclass(frozen=True)
class Csv:
    """Delimited text with a header row; the column named ``field`` is prose.

    Records are located in the raw text so that unchanged records (and the header) are copied
    byte for byte; a changed record is rewritten with the sniffed dialect.
    """

    field: str = DEFAULT_FIELD
    delimiter: str | None = None
    name: str = "csv"
    streamable: bool = False

    def records(self, document: str) -> tuple[csv.Dialect | type[csv.Dialect], list[tuple[list[str], str]]]:
        """The dialect and each record as (cells, raw text including its line ending)."""
        dialect = sniff_dialect(document, self.delimiter)
        lines = iter(split_lines(document))
        consumed: list[str] = []

        def feed():
            for line in lines:
                consumed.append(line)
                yield line

        result = []
        try:
            for cells in csv.reader(feed(), dialect):
                result.append((cells, "".join(consumed)))
                consumed.clear()
        except csv.Error as error:
            raise InputError(f"record {len(result) + 1}: malformed CSV ({error})") from None
        return dialect, result

    def column(self, header: list[str]) -> int:
        if self.field not in header:
            raise InputError(f"no column {self.field!r} in the header (columns: {header}); pass --field")
        return header.index(self.field)

    def units(self, document: str) -> list[Unit]:
        _, records = self.records(document)
        if len(records) < 2:  # header only (or nothing): no text to repair
            return []
        index = self.column(records[0][0])
        return [Unit(cells[index], None, number) for number, (cells, _) in enumerate(records) if number and index < len(cells)]

    def rebuild(self, document: str, units: Sequence[Unit], repaired: Sequence[str]) -> str:
        changed = {u.record: new for u, new in zip(units, repaired) if u.text != new}
        if not changed:
            return document
        dialect, records = self.records(document)
        index = self.column(records[0][0])
        pieces = []
        for number, (cells, raw) in enumerate(records):
            if number in changed:
                cells = cells[:index] + [changed[number]] + cells[index + 1 :]
                raw = write_row(cells, dialect, raw[len(raw.rstrip("\r\n")) :])
            pieces.append(raw)
        return "".join(pieces)


def sniff_dialect(document: str, delimiter: str | None) -> csv.Dialect | type[csv.Dialect]:
    if delimiter:
        return type("Given", (csv.excel,), {"delimiter": delimiter})
    try:
        return csv.Sniffer().sniff(document[:65536], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def write_row(cells: list[str], dialect, ending: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, dialect, lineterminator=ending).writerow(cells)
    return buffer.getvalue()


FORMAT_NAMES = ("auto", "text", "markdown", "html", "jsonl", "csv", "pdf")
SUFFIXES = {
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv", ".tsv": "csv",
    ".pdf": "pdf",
}


def format_for(path: str, name: str = "auto", field: str = DEFAULT_FIELD) -> Format:
    """The format for a file: ``name`` if given, else from the file suffix (default plain text).

    Raises:
        ValueError: unknown format name.
    """
    if name not in FORMAT_NAMES:
        raise ValueError(f"unknown input format {name!r}; choose from {list(FORMAT_NAMES)}")
    if name == "auto":
        name = SUFFIXES.get(PurePath(path).suffix.lower(), "text")
    if name == "csv":
        return Csv(field=field, delimiter="\t" if path.lower().endswith(".tsv") else None)
    if name == "jsonl":
        return JsonLines(field=field)
    # A PDF's document is its text layer (read by repair.io.pdf), repaired as plain text, whole.
    return {"text": PlainText(), "markdown": Markdown(), "html": Html(), "pdf": PlainText(name="pdf", streamable=False)}[name]
