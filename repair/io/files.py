"""Safe reading and writing of text files: binary and encoding detection, streaming, atomic writes.

Reading never guesses silently. A file is decoded as UTF-8 (with or without a BOM), as UTF-16/32
when it starts with a byte-order mark, and as cp1252 (a superset of printable Latin-1) only when
the caller names that encoding or the bytes are unambiguous: every non-ASCII character is a
Latin letter inside a word or common typographic punctuation. Anything else raises
``InputError`` naming the path and the reason, so one bad file never stops a batch.

Output is encoded exactly like the input (same codec, same BOM, line endings untouched), so text
the pipeline leaves alone comes back byte-identical. Writes go to a temporary file beside the
target and are renamed over it, so an interrupted run never leaves a half-written file.
"""
from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import shutil
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from repair.errors import InputError

class BinaryFileError(InputError):
    """The input is not text at all (NUL bytes): batches skip it with this reason."""


BLOCK_BYTES = 1 << 20
SNIFF_BYTES = 8192
# Files above this size are processed chunk by chunk instead of read whole.
STREAM_THRESHOLD_BYTES = 16 << 20
CHUNK_CHARS = 1 << 20

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
LEGACY_ENCODING = "cp1252"
# Non-letter characters that real Latin-1/cp1252 prose contains; anything else outside ASCII
# (C1 controls, box drawing, runs of accented letters) suggests another code page.
TYPOGRAPHIC = set("‘’‚“”„–—…•€£¥¢©®™°±§¶·«»‹›¿¡×÷½¼¾²³¹µ‰†‡ˆ˜\u00a0\u00ad")
# Three or more non-ASCII letters in a row: Latin prose rarely has that, Cyrillic/Greek in a
# single-byte code page read as cp1252 always does.
NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]{3,}")
ALLOWED_CONTROLS = set("\t\n\r\f\v")
NON_ASCII_BYTES = bytes(range(0x80, 0x100))


@dataclass(frozen=True)
class Encoding:
    """How a file's bytes map to text: a Python codec plus the byte-order mark it started with."""

    codec: str
    bom: bytes = b""

    @property
    def label(self) -> str:
        return f"{self.codec}+bom" if self.bom else self.codec

    def encode(self, text: str) -> bytes:
        """Encode a whole document, BOM included."""
        return self.bom + text.encode(self.codec)


@dataclass(frozen=True)
class FileInfo:
    """What one pass over a file found: size, content hash and encoding."""

    path: Path
    size: int
    sha256: str
    encoding: Encoding


@dataclass(frozen=True)
class Document:
    """A decoded text file (or stdin)."""

    name: str
    text: str
    encoding: Encoding
    sha256: str


def check_regular_file(path: Path) -> os.stat_result:
    """Stat ``path`` and reject anything that is not a readable regular file.

    FIFOs and devices are refused before opening because opening a FIFO blocks forever.

    Raises:
        InputError: missing path, symlink loop, directory, FIFO/device, permission denied.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(f"{path}: broken symbolic link (target missing)") from None
        raise InputError(f"{path}: no such file or directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InputError(f"{path}: symbolic link loop") from None
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file ({describe_mode(info.st_mode)}); refusing to read it")
    return info


def describe_mode(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "named pipe", stat.S_ISSOCK: "socket", stat.S_ISCHR: "character device", stat.S_ISBLK: "block device"}
    return next((name for test, name in kinds.items() if test(mode)), "special file")


@contextmanager
def open_input(path: Path) -> Iterator[BinaryIO]:
    """Open a checked regular file for binary reading, turning OS errors into ``InputError``."""
    check_regular_file(path)
    try:
        handle = open(path, "rb")
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        yield handle


def sniff_bom(head: bytes) -> Encoding | None:
    """The encoding announced by a byte-order mark at the start of ``head``, if any."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return Encoding(codec, bom)
    return None


def looks_like_utf16(head: bytes) -> bool:
    """NUL bytes mostly in every other position: UTF-16 text of Latin script without a BOM."""
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.4 and min(even.count(0), odd.count(0)) < len(head) // 50 + 1


def reject_nul(path: Path | str, head: bytes, offset: int = 0) -> None:
    """Raise for NUL bytes in text that has no UTF-16/32 BOM (binary, or BOM-less UTF-16)."""
    position = head.find(b"\x00")
    if position < 0:
        return
    if offset == 0 and looks_like_utf16(head):
        raise InputError(
            f"{path}: looks like UTF-16 without a byte-order mark; re-save it as UTF-8 "
            "(or UTF-16 with a BOM), or pass --encoding utf-16-le/utf-16-be"
        )
    raise BinaryFileError(f"{path}: binary file (NUL byte at offset {offset + position})")


def is_plausible_legacy(text: str) -> bool:
    """True when cp1252-decoded text reads like Latin-script prose (see module docstring)."""
    for char in set(text):
        if char.isascii():
            if not char.isprintable() and char not in ALLOWED_CONTROLS:
                return False
        elif char not in TYPOGRAPHIC and not unicodedata.category(char).startswith("L"):
            return False
    return all(not any(c.isalpha() for c in run) or len(run) < 3 for run in NON_ASCII_RUN_RE.findall(text))


def inspect_file(path: Path, encoding: str | None = None) -> FileInfo:
    """One streaming pass: hash the bytes and settle the encoding without keeping the file.

    Args:
        path: a regular file.
        encoding: a codec the caller insists on (``--encoding``); None detects.

    Raises:
        InputError: unreadable, binary, BOM-less UTF-16, or not decodable.
    """
    digest = hashlib.sha256()
    with open_input(path) as handle:
        head = handle.read(SNIFF_BYTES)
        digest.update(head)
        chosen = Encoding(encoding) if encoding else sniff_bom(head)
        checker = EncodingChecker(path, chosen, head)
        offset = len(head)
        while block := handle.read(BLOCK_BYTES):
            digest.update(block)
            checker.feed(block, offset)
            offset += len(block)
    return FileInfo(path=path, size=offset, sha256=digest.hexdigest(), encoding=checker.finish())


class EncodingChecker:
    """Validates blocks of a file against UTF-8 (or a fixed encoding), falling back to cp1252."""

    def __init__(self, path: Path | str, fixed: Encoding | None, head: bytes):
        self.path = path
        self.fixed = fixed
        self.utf8_error: str | None = None
        self.legacy_ok = True
        self.legacy_tail = b""
        # UTF-16/32 text is full of NUL bytes; every other encoding treats them as binary.
        self.check_nul = fixed is None or not fixed.codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))
        if self.check_nul:
            reject_nul(path, head)
        if fixed is not None:
            check_codec(path, fixed.codec)
        self.decoder = codecs.getincrementaldecoder((fixed or Encoding("utf-8")).codec)("strict")
        self.feed(head[len(fixed.bom) :] if fixed else head, 0)

    def feed(self, block: bytes, offset: int) -> None:
        if self.check_nul:
            reject_nul(self.path, block, offset)
        if self.utf8_error is None:
            # The decoder's error offsets count the bytes it kept from the last block (a split character).
            pending = len(self.decoder.getstate()[0])
            try:
                self.decoder.decode(block)
            except UnicodeDecodeError as error:
                self.fail(offset - pending, error)
            except UnicodeError as error:  # a named utf-16/utf-32 on data without a byte-order mark
                raise InputError(f"{self.path}: cannot be decoded as {self.fixed.codec} ({error})") from None
        # Every block, also those before the first invalid byte: cp1252 is chosen for the whole file.
        # A run of non-ASCII characters may span two blocks, so the last block's run is read again.
        if self.fixed is None and self.legacy_ok:
            joined = self.legacy_tail + block
            self.legacy_ok = legacy_block_ok(joined)
            self.legacy_tail = joined[len(joined.rstrip(NON_ASCII_BYTES)) :][-2:]  # 2 more make a run of 3

    def fail(self, offset: int, error: UnicodeDecodeError) -> None:
        where, byte = offset + error.start, error.object[error.start]
        if self.fixed is not None:
            raise InputError(f"{self.path}: cannot be decoded as {self.fixed.codec} (byte {byte:#04x} at offset {where})")
        self.utf8_error = f"byte {byte:#04x} at offset {where}"

    def finish(self) -> Encoding:
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeError:
            if self.fixed is not None:
                raise InputError(f"{self.path}: truncated {self.fixed.codec} data at the end of the file") from None
            self.utf8_error = self.utf8_error or "truncated character at the end of the file"
        if self.fixed is not None:
            return self.fixed
        if self.utf8_error is None:
            return Encoding("utf-8")
        if self.legacy_ok:
            return Encoding(LEGACY_ENCODING)
        raise InputError(
            f"{self.path}: not valid UTF-8 ({self.utf8_error}) and not unambiguously Latin-1/cp1252; "
            "pass --encoding with the right codec (e.g. --encoding cp1252)"
        )


def check_codec(path: Path | str, codec: str) -> None:
    """Raise ``InputError`` unless ``codec`` names a text encoding (not "nonsense", "rot13" or "base64")."""
    try:
        b"".decode(codec)
        "".encode(codec)
    except LookupError:
        raise InputError(f"{path}: {codec!r} is not a known text encoding (e.g. utf-8, cp1252, utf-16-le)") from None


def legacy_block_ok(block: bytes) -> bool:
    """Whether a block decodes as cp1252 into plausible prose (single-byte: only a run of non-ASCII
    characters crosses blocks, and ``EncodingChecker`` carries it over)."""
    try:
        return is_plausible_legacy(block.decode(LEGACY_ENCODING))
    except UnicodeDecodeError:
        return False


def decode_bytes(name: str, data: bytes, encoding: str | None = None) -> Document:
    """Decode in-memory bytes (stdin) with the same rules as files."""
    head = data[:SNIFF_BYTES]
    chosen = Encoding(encoding) if encoding else sniff_bom(head)
    checker = EncodingChecker(name, chosen, head)
    checker.feed(data[len(head) :], len(head))
    found = checker.finish()
    try:
        text = data[len(found.bom) :].decode(found.codec)
    except UnicodeError as error:
        # The incremental check can pass where a whole decode fails: utf-8-sig's incremental
        # decoder keeps a lone partial BOM (b"\xef") waiting for more bytes even when told final.
        raise InputError(f"{name}: cannot be decoded as {found.codec} ({error})") from None
    return Document(name=name, text=text, encoding=found, sha256=hashlib.sha256(data).hexdigest())


def read_document(path: Path, encoding: str | None = None) -> Document:
    """Read and decode a whole file.

    Raises:
        InputError: see ``inspect_file``.
    """
    with open_input(path) as handle:
        data = handle.read()
    return decode_bytes(str(path), data, encoding)


def iter_chunks(path: Path, encoding: Encoding, chunk_chars: int = CHUNK_CHARS, block_bytes: int = BLOCK_BYTES) -> Iterator[str]:
    """Decoded text of a large file in pieces that end on a paragraph boundary (``\\n``).

    Concatenating the pieces gives the whole text. A paragraph longer than ``chunk_chars`` is
    kept whole (the pipeline works paragraph by paragraph, so cutting one would change results).
    """
    decoder = codecs.getincrementaldecoder(encoding.codec)("strict")
    buffer = ""
    with open_input(path) as handle:
        handle.read(len(encoding.bom))
        while block := handle.read(block_bytes):
            buffer += decoder.decode(block)
            while len(buffer) >= chunk_chars and (cut := buffer.rfind("\n", 0, max(chunk_chars, buffer.find("\n") + 1))) >= 0:
                yield buffer[: cut + 1]
                buffer = buffer[cut + 1 :]
        buffer += decoder.decode(b"", final=True)
    if buffer:
        yield buffer


def temp_path_for(target: Path) -> Path:
    """The temporary file beside ``target`` that ``atomic_writer`` uses; deterministic so a
    supervisor can remove it if the writing process is killed."""
    return target.with_name(f".{target.name}.unspin-part")


@contextmanager
def temp_writer(target: Path) -> Iterator[BinaryIO]:
    """Write the future contents of ``target`` to its temp file (see ``temp_path_for``).

    The temp file is left for ``commit`` on success and removed on any exception, including
    KeyboardInterrupt. Splitting write and commit lets a worker write while only the
    supervising process renames, so a killed worker never leaves a partial ``target``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(target)
    try:
        # No fsync: the rename already makes interruption safe, and one fsync per file costs
        # more than repairing a short article.
        with open(temp, "wb") as handle:
            yield handle
    except BaseException:
        remove_quietly(temp)
        raise


def commit(target: Path) -> None:
    """Rename ``target``'s finished temp file over it (atomic on POSIX)."""
    temp = temp_path_for(target)
    copy_mode(target, temp)
    os.replace(temp, target)


@contextmanager
def atomic_writer(target: Path) -> Iterator[BinaryIO]:
    """Write ``target`` all or nothing: temp file beside it, renamed over it only on success."""
    try:
        with temp_writer(target) as handle:
            yield handle
        commit(target)
    finally:
        remove_quietly(temp_path_for(target))


def copy_mode(source: Path, dest: Path) -> None:
    """Keep an existing file's permission bits when replacing it."""
    try:
        shutil.copymode(source, dest)
    except OSError:
        pass


def write_atomic(target: Path, data: bytes) -> None:
    with atomic_writer(target) as handle:
        handle.write(data)


def backup_file(path: Path, suffix: str) -> Path:
    """Copy ``path`` to ``path + suffix`` atomically (before an in-place rewrite)."""
    backup = path.with_name(path.name + suffix)
    with atomic_writer(backup) as handle, open(path, "rb") as source:
        shutil.copyfileobj(source, handle)
    return backup


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same existing file (hard links and symlinks included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
