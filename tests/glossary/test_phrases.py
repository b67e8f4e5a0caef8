"""User phrase lists (repair/glossary/phrases.py): parsing, errors that name the line, matching,
the pipeline (every document, clean text untouched), the signature and the CLI records.

The list in tests/glossary/data/tortured_phrases.tsv was written by hand for these tests.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from repair.evaluate.signature import Signature, run_context
from repair.glossary.phrases import PhraseFileError, PhraseFinder, load_phrases, parse_phrases
from repair.io.options import RepairerFactory
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer, TermFinders
from repair.paths import models_dir
from tests.cli.runner import json_lines, run_in_process
from tests.io.tiny import SaidRestorer, TermGlossary, WordDetector

LIST = Path(__file__).parent / "data" / "tortured_phrases.tsv"


@pytest.fixture(scope="module")
def finder() -> PhraseFinder:
    return PhraseFinder(load_phrases(LIST))


def tiny_pipeline(phrases: Path | None) -> Repairer:
    """tests/io/tiny.py's pipeline, with the phrase list wired in as ``Repairer.load`` does."""
    finder = PhraseFinder(load_phrases(phrases)) if phrases is not None else None
    finders = [TermGlossary()] if finder is None else [finder, TermGlossary()]
    return Repairer(detector=WordDetector(), glossary=TermFinders(finders), restorers=[SaidRestorer()], phrases=finder,
                    config=RepairConfig(phrases=phrases, document_gate=False))


# ----------------------------------------------------------------------------- the file


def test_the_list_parses_with_comments_blank_lines_and_its_hash():
    phrases = load_phrases(LIST)
    assert len(phrases.phrases) == 9
    assert phrases.phrases[0].phrase == "counterfeit consciousness" and phrases.phrases[0].expected == "artificial intelligence"
    assert phrases.sha256 == hashlib.sha256(LIST.read_bytes()).hexdigest()
    assert phrases.record() == {"path": str(LIST), "sha256": phrases.sha256, "entries": 9}


def test_bom_crlf_extra_spaces_and_a_repeated_identical_entry_are_accepted():
    data = "\ufeffbosom  peril\t breast cancer \r\nBosom Peril\tbreast cancer\r\n".encode()
    phrases = parse_phrases(data, "x.tsv")
    assert [(p.phrase, p.expected) for p in phrases.phrases] == [("bosom peril", "breast cancer")]


@pytest.mark.parametrize("data, line, problem", [
    (b"# ok\nbosom peril breast cancer\n", 2, "exactly one tab"),
    (b"bosom peril\tbreast\tcancer\n", 1, "exactly one tab"),
    (b"a b\tc\n\n\tbreast cancer\n", 3, "empty phrase"),
    (b"bosom peril\t  \n", 1, "empty expected value"),
    (b"bosom peril\tbreast cancer\nx\ty\nBosom peril\tbreast tumour\n", 3, "different expected value.*line 1"),
    (b"a\tb\nc\td\ncaf\xe9\tcafe\n", 3, "not UTF-8"),
    (b"C++ code\tcode\n", 1, "must be words"),
])
def test_a_malformed_file_names_the_file_and_line(data, line, problem):
    with pytest.raises(PhraseFileError, match=rf"bad\.tsv: line {line}: .*{problem}") as caught:
        parse_phrases(data, "bad.tsv")
    assert caught.value.line == line


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(PhraseFileError, match="nothing.tsv: cannot read"):
        load_phrases(tmp_path / "nothing.tsv")


# ----------------------------------------------------------------------------- matching


@pytest.mark.parametrize("text, expected", [
    ("We use counterfeit consciousness daily.", "We use artificial intelligence daily."),
    ("Counterfeit consciousness is here.", "Artificial intelligence is here."),
    ("COUNTERFEIT CONSCIOUSNESS", "ARTIFICIAL INTELLIGENCE"),
    ("The Irregular Woodland Classifier", "The Random Forest Classifier"),
    ("a profound learning model and profound learning", "a deep learning model and deep learning"),
    ("screening for bosom  peril\tand colossal information", "screening for breast cancer\tand big data"),
    ("the flag to clamor ratio", "the signal to noise ratio"),
    ("An irregular woodland and a counterfeit consciousness", "A random forest and an artificial intelligence"),
    ("AN IRREGULAR WOODLAND", "A RANDOM FOREST"),
    ("a bosom peril", "a breast cancer"),
    ("Banana irregular woodland", "Banana random forest"),
])
def test_hits_are_restored_with_case_transfer_longest_first(finder, text, expected):
    edits = finder.find(text)
    assert all(e.source == "phrases" and e.confidence == 1.0 for e in edits)
    assert apply(text, edits) == expected


@pytest.mark.parametrize("text", [
    "non-profound learning",          # a hyphen joins words
    "profound learnings matter",      # whole words only
    "profound, learning",             # punctuation between the words
    "deep learning and random forest",
    "",
])
def test_no_hit_no_edit(finder, text):
    assert finder.find(text) == []
    assert finder.spans(text) == []


def apply(text: str, edits) -> str:
    for edit in sorted(edits, key=lambda e: -e.start):
        assert text[edit.start : edit.end] == edit.old
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text


# ----------------------------------------------------------------------------- the pipeline


def test_every_document_is_repaired_not_only_spun_ones():
    text = "The committee met on Monday.\nCounterfeit consciousness and profound learning were discussed.\n"
    result = tiny_pipeline(LIST).repair(text)
    assert not result.detection.spun
    assert result.text == "The committee met on Monday.\nArtificial intelligence and deep learning were discussed.\n"
    assert [(e.old, e.new, e.source) for e in result.edits] == [
        ("Counterfeit consciousness", "Artificial intelligence", "phrases"), ("profound learning", "deep learning", "phrases")]


def test_clean_text_comes_back_byte_identical():
    text = "Deep learning and random forests\r\nare used for breast cancer screening.  \n\n"
    result = tiny_pipeline(LIST).repair(text)
    assert result.text is text or result.text == text
    assert result.edits == ()


def test_detect_reports_hits_as_spans_and_keeps_the_score():
    text = "The minister mentioned bosom peril."
    plain, listed = tiny_pipeline(None).detect(text), tiny_pipeline(LIST).detect(text)
    assert listed.score == plain.score
    assert [(s.text, s.reason) for s in listed.spans] == [("mentioned", "test"), ("bosom peril", "phrase list")]


def test_repairer_load_wires_the_list_into_glossary_and_detector():
    repairer = Repairer.load(config=RepairConfig(detector="lexicon", use_model=False, phrases=LIST))
    text = "Profound learning beats the irregular woodland.\n"
    assert repairer.repair(text).text == "Deep learning beats the random forest.\n"
    assert [s.reason for s in repairer.detect(text).spans if s.reason == "phrase list"] == ["phrase list"] * 2


def test_signature_carries_the_list_hash():
    sha8 = hashlib.sha256(LIST.read_bytes()).hexdigest()[:8]
    context = run_context(RepairConfig(phrases=LIST), models_dir())
    assert context["phrases"] == sha8
    assert f"|phrases:{sha8}" in Signature("editF0.5", tuple(context.items())).format()
    assert "phrases" not in run_context(RepairConfig(), models_dir())


# ----------------------------------------------------------------------------- the command line


@pytest.fixture
def tiny_cli(monkeypatch):
    monkeypatch.setattr(RepairerFactory, "__call__", lambda factory: tiny_pipeline(factory.config.phrases))
    return lambda *args, stdin=b"": run_in_process(list(args), monkeypatch, stdin=stdin)


def test_cli_fix_json_records_edits_and_the_list(tiny_cli, tmp_path):
    source = tmp_path / "paper.txt"
    source.write_text("Profound learning was mentioned.\n")
    run = tiny_cli("fix", str(source), "--phrases", str(LIST), "--format", "json")
    assert run.returncode == 0, run.stderr
    [record] = json_lines(run.stdout)
    assert record["text"] == "Deep learning was said.\n"
    assert [e["source"] for e in record["edits"]] == ["phrases", "model"]
    assert record["phrases"] == {"path": str(LIST), "sha256": hashlib.sha256(LIST.read_bytes()).hexdigest(), "entries": 9}


def test_cli_detect_reports_phrase_spans(tiny_cli):
    run = tiny_cli("detect", "-", "--phrases", str(LIST), stdin=b"screening for bosom peril\n")
    [record] = json_lines(run.stdout)
    assert [(s["text"], s["reason"]) for s in record["spans"]] == [("bosom peril", "phrase list")]


def test_cli_malformed_list_exits_2_naming_the_line(tiny_cli, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("bosom peril\tbreast cancer\nprofound learning deep learning\n")
    run = tiny_cli("fix", "-", "--phrases", str(bad), stdin=b"text\n")
    assert run.returncode == 2
    assert f"{bad}: line 2: expected 'phrase<TAB>expected'" in run.stderr.decode()
    assert run.stdout == b""
