"""PDFs made in the tests: text pages, a blank (scanned-like) one, an encrypted and a corrupt one.

Pages are written with pypdf's writer: one standard Type 1 font (Helvetica, which every reader
has) and a content stream that shows each line of text, so pypdf reads the same lines back.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

FONT = DictionaryObject({
    NameObject("/Type"): NameObject("/Font"),
    NameObject("/Subtype"): NameObject("/Type1"),
    NameObject("/BaseFont"): NameObject("/Helvetica"),
    NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
})


def escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def content(lines: Sequence[str]) -> bytes:
    """A content stream showing each line 14 points below the last, from the top left."""
    shown = "".join(f"({escape(line)}) Tj T* " for line in lines)
    return f"BT /F1 11 Tf 14 TL 72 740 Td {shown}ET".encode("cp1252")


def writer_with(pages: Sequence[Sequence[str]]) -> PdfWriter:
    """A writer holding one page per entry, each showing its lines (no lines: a blank page)."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(width=612, height=792)
        if lines:
            page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): FONT})})
            stream = DecodedStreamObject()
            stream.set_data(content(lines))
            page.replace_contents(stream)
    return writer


def to_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def text_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    return to_bytes(writer_with(pages))


def blank_pdf(pages: int = 2) -> bytes:
    """Pages without any text: what a scanned PDF looks like to a text extractor."""
    return to_bytes(writer_with([[] for _ in range(pages)]))


def encrypted_pdf(pages: Sequence[Sequence[str]], password: str = "secret") -> bytes:
    writer = writer_with(pages)
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    return to_bytes(writer)


def corrupt_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF cut short in the middle of its first page's content: its header, then garbage."""
    data = text_pdf(pages)
    return data[: len(data) // 3]
