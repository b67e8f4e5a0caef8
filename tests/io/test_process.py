"""Processing files in a worker (repair/io/process.py): formats, offsets, streaming, stdin, failures.

Run through ``run_batch`` in this process (``jobs=1``), which is how a worker calls them.
"""
from __future__ import annotations

import codecs
import json

import pytest

from repair.io.batch import run_batch
from repair.io.inputs import collect_inputs
from repair.io.options import BatchOptions
from repair.io.process import process_stdin
from repair.pipeline.repairer import Repairer
from tests.io.tiny import FIXED, SPUN, SaidRestorer, TermGlossary, WordDetector, options_for, tiny_repairer
from repair.results import Edit


def test_a_component_crash_fails_one_file_not_the_batch(tmp_path):
    class Fragile(Repairer):
        def repair_batch(self, texts):
            if any("BOOM" in t for t in texts):
                raise RuntimeError("model exploded")
            return super().repair_batch(texts)

    for name, text in [("a.txt", SPUN), ("b.txt", "BOOM\n"), ("c.txt", SPUN)]:
        (tmp_path / name).write_text(text)
    factory = lambda: Fragile(detector=WordDetector(), glossary=TermGlossary(), restorers=[SaidRestorer()])  # noqa: E731
    outcomes = {o.rel: o for o in run_batch(collect_inputs([str(tmp_path)]), factory, BatchOptions(keep_text=True))}
    assert outcomes["b.txt"].status == "failed" and "model exploded" in outcomes["b.txt"].error
    assert outcomes["a.txt"].text == FIXED and outcomes["c.txt"].text == FIXED


def test_detect_task_reports_spans_with_document_offsets(tmp_path):
    (tmp_path / "spun.md").write_text("`mentioned`\n\nHe mentioned it.\n")
    (tmp_path / "rows.jsonl").write_text('{"text": "clean"}\n{"text": "x mentioned"}\n')
    outcomes = {o.rel: o for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, BatchOptions(task="detect"))}
    md = outcomes["spun.md"]
    assert md.spun and [(s["start"], s["text"]) for s in md.spans] == [(16, "mentioned")]
    rows = outcomes["rows.jsonl"]
    assert [(s["record"], s["start"], s["text"]) for s in rows.spans] == [(1, 2, "mentioned")]


def test_jsonl_streamed_in_chunks_keeps_record_numbers(tmp_path):
    lines = [json.dumps({"id": i, "text": "x mentioned" if i % 3 == 0 else "clean"}) + "\n" for i in range(60)]
    (tmp_path / "rows.jsonl").write_text("".join(lines))
    options = BatchOptions(outdir=tmp_path / "out", stream_threshold=100, chunk_chars=200, keep_text=True)
    (outcome,) = run_batch(collect_inputs([str(tmp_path / "rows.jsonl")]), tiny_repairer, options)
    assert outcome.edits == 20 and [e["record"] for e in outcome.edit_list] == list(range(0, 60, 3))
    rows = [json.loads(line) for line in (tmp_path / "out" / "rows.jsonl").read_text().splitlines()]
    assert [r["text"] for r in rows[:4]] == ["x said", "clean", "clean", "x said"]


def test_stdin_uses_file_rules():
    outcome = process_stdin(tiny_repairer(), codecs.BOM_UTF16_LE + SPUN.encode("utf-16-le"), BatchOptions(keep_text=True))
    assert outcome.text == FIXED and outcome.raw_encoding.encode(outcome.text) == codecs.BOM_UTF16_LE + FIXED.encode("utf-16-le")
    bad = process_stdin(tiny_repairer(), b"\x00\x01binary", BatchOptions())
    assert bad.status == "skipped" and bad.error.startswith("-: binary")


@pytest.mark.parametrize("bom, codec", [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
], ids=["utf8-bom", "utf16-be", "utf32-le", "utf32-be"])
def test_a_repaired_file_keeps_its_encoding_and_bom_byte_for_byte(tmp_path, bom, codec):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "spun.txt").write_bytes(bom + SPUN.replace("\n", "\r\n").encode(codec))
    (tmp_path / "in" / "clean.txt").write_bytes(bom + "Nothing to change here.\n".encode(codec))
    options = BatchOptions(outdir=tmp_path / "out")
    outcomes = {o.rel: o for o in run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options)}
    assert outcomes["spun.txt"].edits > 0
    assert (tmp_path / "out" / "spun.txt").read_bytes() == bom + FIXED.replace("\n", "\r\n").encode(codec)
    assert (tmp_path / "out" / "clean.txt").read_bytes() == (tmp_path / "in" / "clean.txt").read_bytes()


def test_bad_line_in_a_streamed_jsonl_fails_that_file_only(tmp_path):
    lines = [json.dumps({"text": "x mentioned"}) + "\n"] * 30 + ["{broken\n"] + [json.dumps({"text": "ok"}) + "\n"] * 5
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rows.jsonl").write_text("".join(lines))
    (tmp_path / "in" / "good.txt").write_text(SPUN)
    out = tmp_path / "out"
    options = BatchOptions(outdir=out, stream_threshold=100, chunk_chars=200)
    outcomes = {o.rel: o for o in run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options)}
    assert outcomes["rows.jsonl"].status == "failed" and "line 31: not valid JSON" in outcomes["rows.jsonl"].error
    assert outcomes["good.txt"].status == "done"
    assert sorted(p.name for p in out.iterdir()) == ["good.txt"]


def test_repair_that_cannot_be_encoded_back_fails_cleanly(tmp_path):
    class Snowman(TermGlossary):
        def find(self, paragraph):
            return [Edit(0, 4, paragraph[:4], "\u2603", "glossary", 1.0)]

    (tmp_path / "latin1.txt").write_bytes("Café mentioned\n".encode("cp1252"))
    factory = lambda: Repairer(detector=WordDetector(), glossary=Snowman())  # noqa: E731
    (outcome,) = run_batch(collect_inputs([str(tmp_path / "latin1.txt")]), factory, options_for(tmp_path / "out"))
    assert outcome.status == "failed" and "cp1252 cannot encode" in outcome.error
    assert not (tmp_path / "out" / "latin1.txt").exists()
