"""Reading, encoding detection, streaming and atomic writes (repair/fileio.py)."""
from __future__ import annotations

import codecs
import os

import pytest

from repair.errors import InputError
from repair.io.files import (
    Encoding,
    atomic_writer,
    backup_file,
    check_regular_file,
    decode_bytes,
    inspect_file,
    is_plausible_legacy,
    iter_chunks,
    read_document,
    temp_path_for,
)

TEXT = "Le café “mentioned” résumé — naïve.\nSecond line.\r\nThird\n"


@pytest.mark.parametrize(
    "raw, codec, bom",
    [
        (TEXT.encode("utf-8"), "utf-8", b""),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8", codecs.BOM_UTF8),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le", codecs.BOM_UTF16_LE),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be", codecs.BOM_UTF16_BE),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le", codecs.BOM_UTF32_LE),
        (TEXT.encode("cp1252"), "cp1252", b""),
    ],
)
def test_detected_encoding_round_trips_byte_identical(tmp_path, raw, codec, bom):
    path = tmp_path / "doc.txt"
    path.write_bytes(raw)
    document = read_document(path)
    assert document.text == TEXT
    assert document.encoding == Encoding(codec, bom)
    assert document.encoding.encode(document.text) == raw
    assert inspect_file(path).encoding == document.encoding


def test_empty_file_is_empty_utf8_text(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    document = read_document(path)
    assert document.text == "" and document.encoding.codec == "utf-8"


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("Plain words here".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
        ("Привет мир, как дела".encode("cp1251"), "not valid UTF-8"),
        (b"abc \x81\x8d odd", "not valid UTF-8"),
    ],
)
def test_bad_bytes_raise_input_error_naming_the_path(tmp_path, raw, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(raw)
    with pytest.raises(InputError, match=message) as info:
        read_document(path)
    assert str(path) in str(info.value)


def test_nul_byte_late_in_a_file_is_binary(tmp_path):
    path = tmp_path / "late.txt"
    path.write_bytes(b"a" * 20000 + b"\x00" + b"b" * 10)
    with pytest.raises(InputError, match="NUL byte at offset 20000"):
        inspect_file(path)


def test_explicit_encoding_overrides_detection(tmp_path):
    path = tmp_path / "cyr.txt"
    path.write_bytes("Привет мир".encode("cp1251"))
    assert read_document(path, "cp1251").text == "Привет мир"
    path.write_bytes("Plain words".encode("utf-16-le"))
    assert read_document(path, "utf-16-le").text == "Plain words"


@pytest.mark.parametrize(
    "text, plausible",
    [("café au lait", True), ("“quoted” – dash…", True), ("Ïðèâåò ìèð", False), ("bad \x85 control", False), ("€5 and £3", True)],
)
def test_legacy_plausibility(text, plausible):
    assert is_plausible_legacy(text) is plausible


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: os.mkfifo(p), "not a regular file \\(named pipe\\)"),
        (lambda p: os.symlink(p.name, p), "symbolic link loop"),
        (lambda p: os.symlink("missing-target", p), "broken symbolic link"),
    ],
)
def test_unreadable_paths_are_refused_before_opening(tmp_path, make, message):
    path = tmp_path / "thing"
    make(path)
    with pytest.raises(InputError, match=message):
        check_regular_file(path)


def test_permission_error_at_open_is_an_input_error(tmp_path, monkeypatch):
    # Tests run as root, where chmod 000 does not stop reads: fail the OS call itself.
    path = tmp_path / "locked.txt"
    path.write_text("text")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("repair.io.files.open", refuse, raising=False)
    with pytest.raises(InputError, match="locked.txt: permission denied"):
        read_document(path)


def test_decode_bytes_uses_the_same_rules_for_stdin():
    assert decode_bytes("-", codecs.BOM_UTF16_LE + "hi".encode("utf-16-le")).text == "hi"
    with pytest.raises(InputError, match="binary"):
        decode_bytes("-", b"\x00\x01\x02")


@pytest.mark.parametrize("chunk_chars", [1, 7, 50, 10_000])
@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le"])
def test_chunks_end_on_paragraph_boundaries_and_reassemble(tmp_path, chunk_chars, codec):
    text = "".join(f"Paragraph {i} é “x” {'w ' * (i % 13)}\n" for i in range(200)) + "tail without newline"
    encoding = Encoding(codec, codecs.BOM_UTF16_LE if codec == "utf-16-le" else b"")
    path = tmp_path / "big.txt"
    path.write_bytes(encoding.encode(text))
    chunks = list(iter_chunks(path, encoding, chunk_chars=chunk_chars, block_bytes=64))
    assert "".join(chunks) == text
    assert all(c.endswith("\n") for c in chunks[:-1])
    if chunk_chars == 50:
        assert all(len(c) < 50 + 40 for c in chunks)


def test_atomic_writer_leaves_target_untouched_on_interrupt(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(b"original")
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(target) as handle:
            handle.write(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"original"
    assert not temp_path_for(target).exists()
    with atomic_writer(target) as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_backup_copies_bytes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xff\xfeh\x00")
    backup = backup_file(path, ".orig")
    assert backup.name == "a.txt.orig" and backup.read_bytes() == b"\xff\xfeh\x00"
