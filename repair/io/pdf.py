"""PDF input: the text layer of a PDF, read with pypdf, as the document the pipeline repairs.

A PDF cannot be rewritten with repaired wording, so a PDF's document is its extracted text and
``unspin fix`` writes that text (``NAME.txt``). Pages are joined by a line holding a form feed
(``PAGE_BREAK``, as pdftotext separates pages), so the 1-based page of any offset is one more
than the form feeds before it (``page_of``); a form feed inside a page's text becomes a newline.
Within a page, a line that does not end a sentence and is followed by one that starts in lower
case is joined to it with a space: a PDF breaks lines where the column ends, and a phrase split
over two lines would otherwise never be matched.

Every problem is an ``InputError`` naming the file, so one bad PDF fails alone in a batch: no
text layer (a scanned PDF: OCR it first), encrypted, or not a readable PDF.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from repair.errors import InputError
from repair.io.files import Document, Encoding, open_input

PDF = "pdf"  # the format's name (``repair.io.formats``)
PAGE_BREAK = "\f"
PAGE_SEPARATOR = "\n" + PAGE_BREAK + "\n"
TEXT_SUFFIX = ".txt"
# A line that ends without sentence punctuation or a hyphen, then one that starts with a letter
# (``reflow`` joins them when that letter is lower case).
# A broken ToUnicode map can give lone surrogates, which are not text (nor encodable as UTF-8).
SURROGATE_RE = re.compile("[\ud800-\udfff]")
SOFT_BREAK_RE = re.compile(r"(?<=[^\s.!?:;\-])[ \t]*\n[ \t]*(?=[^\W\d_])")


class PdfError(InputError):
    """A PDF whose text cannot be read; the message names the file and the reason."""


class NoTextLayerError(PdfError):
    """Pages without text: a scanned PDF, images of text only."""


class EncryptedPdfError(PdfError):
    """A PDF that needs a password to read."""


class CorruptPdfError(PdfError):
    """Bytes that pypdf cannot read as a PDF (truncated, damaged, not a PDF at all)."""


def is_pdf(path: str, input_format: str = "auto") -> bool:
    """Whether a file is read as a PDF: ``--input-format pdf``, or auto and a ``.pdf`` suffix."""
    return input_format == PDF or (input_format == "auto" and PurePath(path).suffix.lower() == ".pdf")


def text_name(rel: str) -> str:
    """Where the text of a PDF goes in the output tree: ``a/paper.pdf`` -> ``a/paper.txt``."""
    return str(PurePath(rel).with_suffix(TEXT_SUFFIX))


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning for every damaged object it recovers from; the reason we report is enough."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def reflow(page: str) -> str:
    """Join the lines of a paragraph that the PDF broke at the column's end (see module doc);
    a lone surrogate becomes U+FFFD."""
    page = SURROGATE_RE.sub("\ufffd", page.replace(PAGE_BREAK, "\n"))
    return SOFT_BREAK_RE.sub(lambda m: " " if page[m.end()].islower() else m.group(), page)


def page_texts(data: bytes, name: str) -> list[str]:
    """The text of each page, in order.

    Raises:
        EncryptedPdfError: the PDF needs a password (an empty user password is tried).
        CorruptPdfError: pypdf cannot parse it, or it has no pages.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    with quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise EncryptedPdfError(f"{name}: encrypted PDF (needs a password); decrypt it first, e.g. qpdf --decrypt")
            pages = [page.extract_text() or "" for page in reader.pages]
        except PdfError:
            raise
        except DependencyError as error:  # AES needs pypdf's "crypto" extra (a dependency of unspin)
            raise PdfError(f"{name}: cannot decrypt this PDF ({error})") from None
        except Exception as error:  # a parser of untrusted bytes: whatever it raises means unreadable
            raise CorruptPdfError(f"{name}: corrupt or unreadable PDF ({type(error).__name__}: {str(error)[:120]})") from None
    if not pages:
        raise CorruptPdfError(f"{name}: PDF without pages")
    return pages


def join_pages(pages: Iterable[str]) -> str:
    """One document: each page reflowed, pages separated by a form-feed line, a newline at the end."""
    return PAGE_SEPARATOR.join(reflow(page).strip("\n") for page in pages) + "\n"


def pdf_document(name: str, data: bytes) -> Document:
    """The text layer of PDF bytes as a ``Document`` (written out as UTF-8; hash of the PDF's bytes).

    Raises:
        NoTextLayerError: no page has any text.
        EncryptedPdfError, CorruptPdfError: see ``page_texts``.
    """
    pages = page_texts(data, name)
    if not any(page.strip() for page in pages):
        raise NoTextLayerError(f"{name}: no text layer: OCR it first (e.g. with ocrmypdf); none of its {len(pages)} pages has text (a scanned PDF?)")
    return Document(name=name, text=join_pages(pages), encoding=Encoding("utf-8"), sha256=hashlib.sha256(data).hexdigest())


def read_pdf(path: Path) -> Document:
    """Read a PDF file's text layer (see ``pdf_document``); unreadable files raise ``InputError``."""
    with open_input(path) as handle:
        data = handle.read()
    return pdf_document(str(path), data)


def page_of(text: str, offset: int) -> int:
    """The 1-based page of an offset into a PDF's document text."""
    return text.count(PAGE_BREAK, 0, offset) + 1


def with_pages(values: Iterable[dict], text: str) -> tuple[dict, ...]:
    """Edit or span dicts (offsets into ``text``) with their 1-based ``page`` added."""
    return tuple({**value, "page": page_of(text, value["start"])} for value in values)
