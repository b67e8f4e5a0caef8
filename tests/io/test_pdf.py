"""PDF input (repair/io/pdf.py): the text layer with pages, the failing kinds, and batches where
one bad PDF fails alone. The PDFs are made here (tests/io/pdfs.py); batches run the CLI in this
process on tests/io/tiny.py's pipeline (flags "mentioned", repairs it to "said")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.io.formats import format_for
from repair.io.options import RepairerFactory
from repair.io.pdf import CorruptPdfError, EncryptedPdfError, NoTextLayerError, PdfError, page_of, pdf_document, reflow, text_name
from tests.cli.runner import json_lines, run_in_process
from tests.io.pdfs import blank_pdf, corrupt_pdf, encrypted_pdf, text_pdf, to_bytes, writer_with
from tests.io.tiny import tiny_repairer

PAGES = [["Results", "The minister", "mentioned talks."], ["Page two.", "Nothing mentioned here either."]]
TEXT = "Results\nThe minister mentioned talks.\n\f\nPage two.\nNothing mentioned here either.\n"
FIXED = TEXT.replace("mentioned", "said")


def test_text_layer_with_pages_and_reflowed_lines():
    document = pdf_document("a.pdf", text_pdf(PAGES))
    assert document.text == TEXT
    assert [page_of(TEXT, TEXT.index(word)) for word in ("Results", "talks", "Page", "either")] == [1, 1, 2, 2]


@pytest.mark.parametrize("page, expected", [
    ("The counterfeit\nconsciousness works.", "The counterfeit consciousness works."),
    ("Methods\nWe trained", "Methods\nWe trained"),          # next line starts in upper case
    ("It ends.\nthen more", "It ends.\nthen more"),           # a sentence ended
    ("state-of-the-\nart", "state-of-the-\nart"),             # a hyphen stays where it was
    ("A.\fB", "A.\nB"),                                       # a form feed is reserved for pages
    ("Bad \ud800 map.", "Bad \ufffd map."),                   # not text: the replacement character
])
def test_reflow(page, expected):
    assert reflow(page) == expected


@pytest.mark.parametrize("data, error, message", [
    (blank_pdf(), NoTextLayerError, "no text layer: OCR it first"),
    (encrypted_pdf(PAGES), EncryptedPdfError, "encrypted PDF"),
    (corrupt_pdf([["filler line"] * 60]), CorruptPdfError, "corrupt or unreadable PDF"),
    (b"%PDF-1.7\nnot really", CorruptPdfError, "corrupt or unreadable PDF"),
    (b"", CorruptPdfError, "corrupt or unreadable PDF"),
])
def test_failing_kinds_name_the_file_and_reason(data, error, message):
    with pytest.raises(error, match=f"^bad.pdf: {message}"):
        pdf_document("bad.pdf", data)


GOOD = text_pdf(PAGES)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=8), st.integers(0, len(GOOD)))
def test_damaged_pdf_bytes_give_text_or_a_pdf_error(at, junk, cut):
    """Bytes overwritten anywhere, then the file cut anywhere: a document or a PdfError, nothing else."""
    data = (GOOD[:at] + junk + GOOD[at + len(junk) :])[:cut]
    try:
        document = pdf_document("damaged.pdf", data)
    except PdfError as error:
        assert str(error).startswith("damaged.pdf: ")
    else:
        assert isinstance(document.text, str)


def test_encrypted_without_a_user_password_is_read():
    writer = writer_with(PAGES)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    assert pdf_document("restricted.pdf", to_bytes(writer)).text == TEXT


def test_pdf_is_a_format_and_goes_to_a_txt():
    assert format_for("paper.PDF").name == "pdf"
    assert not format_for("paper.pdf").streamable
    assert text_name("a/paper.pdf") == "a/paper.txt"


@pytest.fixture
def tiny_cli(monkeypatch):
    monkeypatch.setattr(RepairerFactory, "__call__", lambda factory: tiny_repairer())
    return lambda *args, stdin=b"": run_in_process(list(args), monkeypatch, stdin=stdin)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "paper.pdf").write_bytes(text_pdf(PAGES))
    (root / "scanned.pdf").write_bytes(blank_pdf())
    (root / "locked.pdf").write_bytes(encrypted_pdf(PAGES))
    (root / "truncated.pdf").write_bytes(corrupt_pdf([["filler line"] * 60]))
    (root / "note.txt").write_text("He mentioned it.\n")
    return root


def test_fix_batch_writes_text_and_fails_bad_pdfs_alone(tiny_cli, folder, tmp_path):
    out = tmp_path / "out"
    run = tiny_cli("fix", str(folder), "-o", str(out), "--format", "json")
    assert run.returncode == 1
    assert (out / "paper.txt").read_text() == FIXED
    assert (out / "note.txt").read_text() == "He said it.\n"
    assert sorted(p.name for p in out.iterdir()) == ["note.txt", "paper.txt", "unspin-manifest.jsonl"]
    stderr = run.stderr.decode()
    assert f"{folder / 'scanned.pdf'}: no text layer: OCR it first" in stderr
    assert f"{folder / 'locked.pdf'}: encrypted PDF" in stderr
    assert f"{folder / 'truncated.pdf'}: corrupt or unreadable PDF" in stderr
    records = {r["path"]: r for r in json_lines(run.stdout)}
    assert [(e["old"], e["new"], e["page"]) for e in records[str(folder / "paper.pdf")]["edits"]] == [
        ("mentioned", "said", 1), ("mentioned", "said", 2)]
    assert all("page" not in e for e in records[str(folder / "note.txt")]["edits"])


def test_detect_batch_spans_carry_pages(tiny_cli, folder):
    run = tiny_cli("detect", str(folder))
    assert run.returncode == 1
    records = {r["path"]: r for r in json_lines(run.stdout)}
    assert set(records) == {str(folder / "paper.pdf"), str(folder / "note.txt")}
    assert [(s["text"], s["page"]) for s in records[str(folder / "paper.pdf")]["spans"]] == [("mentioned", 1), ("mentioned", 2)]


def test_fix_one_pdf_to_stdout_and_from_stdin(tiny_cli, folder):
    assert tiny_cli("fix", str(folder / "paper.pdf")).stdout == FIXED.encode()
    run = tiny_cli("fix", "-", "--input-format", "pdf", stdin=(folder / "paper.pdf").read_bytes())
    assert (run.returncode, run.stdout) == (0, FIXED.encode())


def test_in_place_refuses_a_pdf_and_leaves_it_alone(tiny_cli, folder):
    before = (folder / "paper.pdf").read_bytes()
    run = tiny_cli("fix", str(folder / "paper.pdf"), "--in-place")
    assert run.returncode == 1
    assert "a PDF cannot be rewritten in place; use -o OUTDIR" in run.stderr.decode()
    assert (folder / "paper.pdf").read_bytes() == before
