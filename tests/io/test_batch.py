"""Batch machinery (repair/batch.py) on a folder of mixed, partly broken files.

The pipeline here is a real ``Repairer`` with three tiny real components defined below (a
detector that flags "mentioned", a one-term glossary, a restorer that says "said"), so these
tests pin down the batch behaviour independently of the shipped models; `tests/test_cli.py`
runs the same paths end to end with ``Repairer.load()``.
"""
from __future__ import annotations

import codecs
import hashlib
import importlib.util
import json
import os
import re
from contextlib import closing
from pathlib import Path

import pytest

from repair.io.batch import (
    MANIFEST_NAME,
    BatchOptions,
    InputItem,
    Summary,
    collect_inputs,
    group_jobs,
    plan,
    process_stdin,
    run_batch,
)
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport, Edit, Span
from repair.text import count_words, match_case

SPUN = "The Safety Treaty Group met on Monday.\nThe minister mentioned talks would go on.\n"
FIXED = "The Security Treaty Organization met on Monday.\nThe minister said talks would go on.\n"
CLEAN = "The committee met on Monday.\nThe minister said talks would go on.\n"


class WordDetector:
    """Flags the word "mentioned" (score 0.9), everything else is clean (0.1)."""

    def detect_batch(self, paragraphs):
        reports = []
        for paragraph in paragraphs:
            spans = tuple(Span(m.start(), m.end(), m.group(), 0.9, "test") for m in re.finditer(r"\b[Mm]entioned\b", paragraph))
            reports.append(DetectionReport(score=0.9 if spans else 0.1, spun=bool(spans), spans=spans, words=count_words(paragraph)))
        return reports


class TermGlossary:
    def find(self, paragraph):
        return [Edit(m.start(), m.end(), m.group(), "Security Treaty Organization", "glossary", 1.0) for m in re.finditer("Safety Treaty Group", paragraph)]


class SaidRestorer:
    def propose(self, paragraph, spans):
        return [Edit(s.start, s.end, s.text, match_case(s.text, "said"), "model", 0.9) for s in spans]


def tiny_repairer() -> Repairer:
    return Repairer(detector=WordDetector(), glossary=TermGlossary(), restorers=[SaidRestorer()])


class InterruptingRepairer(Repairer):
    """Raises KeyboardInterrupt (as Ctrl-C would) when it meets the marker text."""

    def repair_batch(self, texts):
        if any("INTERRUPT" in t for t in texts):
            raise KeyboardInterrupt
        return super().repair_batch(texts)


def interrupting_repairer() -> Repairer:
    return InterruptingRepairer(detector=WordDetector(), glossary=TermGlossary(), restorers=[SaidRestorer()])


def big_text(paragraphs: int = 400) -> str:
    return "".join(SPUN if i % 2 else CLEAN for i in range(paragraphs))


@pytest.fixture
def mixed(tmp_path) -> Path:
    """A folder with good, spun, empty, binary, UTF-16 (with and without BOM), Latin-1, big,
    unreadable (FIFO) files and a directory symlink loop."""
    root = tmp_path / "in"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "clean.txt").write_text(CLEAN, encoding="utf-8")
    (root / "spun.txt").write_text(SPUN, encoding="utf-8")
    (root / "sub" / "crlf.txt").write_bytes(SPUN.replace("\n", "\r\n").encode())
    (root / "sub" / "deeper" / "notes.md").write_text("# Notes\n\nHe mentioned `mentioned` here.\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + SPUN.encode("utf-16-le"))
    (root / "utf16-nobom.txt").write_bytes(SPUN.encode("utf-16-le"))
    (root / "latin1.txt").write_bytes(("Café: " + SPUN).encode("latin-1"))
    (root / "big.txt").write_text(big_text(), encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    os.symlink("..", root / "sub" / "loop")
    return root


EXPECTED_OUTPUT = {
    "clean.txt": CLEAN.encode(),
    "spun.txt": FIXED.encode(),
    "sub/crlf.txt": FIXED.replace("\n", "\r\n").encode(),
    "sub/deeper/notes.md": b"# Notes\n\nHe said `mentioned` here.\n",
    "empty.txt": b"",
    "utf16.txt": codecs.BOM_UTF16_LE + FIXED.encode("utf-16-le"),
    "latin1.txt": ("Café: " + FIXED).encode("latin-1"),
    "big.txt": big_text().replace(SPUN, FIXED).encode(),
}
NOT_PROCESSED = {"image.bin": "skipped", "utf16-nobom.txt": "failed", "pipe.txt": "failed", "sub/loop": "skipped"}


def snapshot(root: Path) -> dict[str, str]:
    """Hashes of every regular file under root (without following symlinks)."""
    result = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                result[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def options_for(out: Path, **changes) -> BatchOptions:
    settings = dict(outdir=out, manifest=out / MANIFEST_NAME, stream_threshold=2000, chunk_chars=500)
    return BatchOptions(**{**settings, **changes})


def manifest_entries(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]


@pytest.mark.parametrize("jobs", [1, 2])
def test_mixed_folder_nothing_lost_inputs_untouched_manifest_complete(mixed, tmp_path, jobs):
    before = snapshot(mixed)
    out = tmp_path / "out"
    summary = Summary()
    outcomes = list(run_batch(collect_inputs([str(mixed)]), tiny_repairer, options_for(out, jobs=jobs), summary=summary))

    assert snapshot(mixed) == before
    by_rel = {o.rel: o for o in outcomes}
    assert set(by_rel) == set(EXPECTED_OUTPUT) | set(NOT_PROCESSED)
    for rel, expected in EXPECTED_OUTPUT.items():
        assert (out / rel).read_bytes() == expected, rel
        assert by_rel[rel].status == "done"
    for rel, status in NOT_PROCESSED.items():
        assert by_rel[rel].status == status and rel.split("/")[-1] in by_rel[rel].error
        assert not (out / rel).exists()
    assert "UTF-16 without a byte-order mark" in by_rel["utf16-nobom.txt"].error
    assert "named pipe" in by_rel["pipe.txt"].error
    assert "symbolic link loop" in by_rel["sub/loop"].error
    assert by_rel["latin1.txt"].encoding == "cp1252"
    assert by_rel["utf16.txt"].encoding == "utf-16-le+bom"
    assert by_rel["big.txt"].edits == 200 * 2  # streamed in chunks, every spun paragraph repaired
    assert summary.exit_code == 1 and summary.done == len(EXPECTED_OUTPUT)

    entries = manifest_entries(out)
    assert sorted(e["path"] for e in entries) == sorted(o.path for o in outcomes)
    done = {e["path"]: e for e in entries if e["status"] == "done"}
    assert done[str(mixed / "spun.txt")]["edits"] == 2
    assert done[str(mixed / "spun.txt")]["sha256"] == hashlib.sha256(SPUN.encode()).hexdigest()
    assert not list(out.rglob("*.unspin-part"))


def test_all_good_inputs_exit_zero(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.txt").write_text(CLEAN)
    summary = Summary()
    list(run_batch(collect_inputs([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]), tiny_repairer, options_for(tmp_path / "o"), summary=summary))
    assert summary.exit_code == 0 and summary.changed == 1


def test_resume_skips_done_files_with_unchanged_hash(mixed, tmp_path):
    out = tmp_path / "out"
    list(run_batch(collect_inputs([str(mixed)]), tiny_repairer, options_for(out)))
    (mixed / "clean.txt").write_text(SPUN)  # changed input: must be redone
    (out / "spun.txt").unlink()  # missing output: must be redone
    outcomes = {o.rel: o for o in run_batch(collect_inputs([str(mixed)]), tiny_repairer, options_for(out))}
    redone = {rel for rel, o in outcomes.items() if o.status == "done" and not o.resumed}
    assert redone == {"clean.txt", "spun.txt"}
    assert (out / "clean.txt").read_bytes() == FIXED.encode()
    assert (out / "spun.txt").read_bytes() == FIXED.encode()
    again = list(run_batch(collect_inputs([str(mixed)]), tiny_repairer, options_for(out, resume=False)))
    assert not any(o.resumed for o in again)


@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupted_run_leaves_no_partial_output_and_resumes(tmp_path, jobs):
    source = tmp_path / "in"
    source.mkdir()
    names = [f"f{i:02d}.txt" for i in range(12)]
    for name in names:
        (source / name).write_text(SPUN)
    (source / "f06.txt").write_text(SPUN + "INTERRUPT\n")
    out = tmp_path / "out"
    options = options_for(out, jobs=jobs, files_per_task=2)
    with pytest.raises(KeyboardInterrupt), closing(run_batch(collect_inputs([str(source)]), interrupting_repairer, options)) as outcomes:
        for outcome in outcomes:
            if jobs == 2 and outcome.rel == "f02.txt":
                raise KeyboardInterrupt  # Ctrl-C reaching the supervisor while workers run
    written = [p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]
    assert all(p.read_bytes() == FIXED.encode() for p in written)  # every file there is complete
    assert not list(out.rglob("*.unspin-part"))
    assert len(written) < len(names)
    (source / "f06.txt").write_text(SPUN)
    outcomes = list(run_batch(collect_inputs([str(source)]), tiny_repairer, options))
    assert sum(o.resumed for o in outcomes) == len(written)
    assert all((out / name).read_bytes() == FIXED.encode() for name in names)


def test_in_place_keeps_backup_and_leaves_clean_files_alone(tmp_path):
    (tmp_path / "spun.txt").write_text(SPUN)
    (tmp_path / "clean.txt").write_text(CLEAN)
    clean_mtime = os.stat(tmp_path / "clean.txt").st_mtime_ns
    options = BatchOptions(in_place=True, backup_suffix=".bak")
    list(run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, options))
    assert (tmp_path / "spun.txt").read_text() == FIXED
    assert (tmp_path / "spun.txt.bak").read_text() == SPUN
    assert os.stat(tmp_path / "clean.txt").st_mtime_ns == clean_mtime
    assert not (tmp_path / "clean.txt.bak").exists()


def test_in_place_resume_recognises_its_own_output(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "spun.txt").write_text(SPUN)
    options = BatchOptions(in_place=True, backup_suffix="", manifest=tmp_path / "m.jsonl")
    (first,) = run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options)
    (second,) = run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options)
    assert first.changed and not first.resumed and second.resumed
    assert first.output_sha256 == hashlib.sha256(FIXED.encode()).hexdigest()
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["spun.txt"]


@pytest.mark.parametrize("changes", [{"dry_run": True}, {"diff": True}])
def test_dry_run_and_diff_write_nothing(tmp_path, changes):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "spun.txt").write_text(SPUN)
    out = tmp_path / "out"
    outcomes = list(run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options_for(out, **changes)))
    assert not out.exists()
    assert outcomes[0].changed and outcomes[0].edits == 2
    if changes.get("diff"):
        assert "-The minister mentioned talks" in outcomes[0].diff and "+The minister said talks" in outcomes[0].diff


def test_output_never_overwrites_an_input(tmp_path):
    (tmp_path / "spun.txt").write_text(SPUN)
    outcomes = list(run_batch(collect_inputs([str(tmp_path / "spun.txt")]), tiny_repairer, options_for(tmp_path)))
    assert outcomes[0].status == "failed" and "is the input itself" in outcomes[0].error
    assert (tmp_path / "spun.txt").read_text() == SPUN


def test_outdir_inside_the_input_folder_is_not_walked(tmp_path):
    (tmp_path / "spun.txt").write_text(SPUN)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous output")
    items = collect_inputs([str(tmp_path)], skip=[out])
    assert [i.rel for i in items] == ["spun.txt"]


def test_include_exclude_globs(mixed):
    rels = [i.rel for i in collect_inputs([str(mixed)], include=["*.txt"], exclude=["sub/*", "big.*"])]
    assert rels == ["clean.txt", "empty.txt", "latin1.txt", "pipe.txt", "spun.txt", "utf16-nobom.txt", "utf16.txt"]


def test_several_arguments_keep_their_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "y.txt").write_text("y")
    items = collect_inputs([str(tmp_path / "a"), str(tmp_path / "y.txt"), str(tmp_path / "missing.txt")])
    assert [(i.rel, bool(i.error)) for i in items] == [("a/x.txt", False), ("y.txt", False), ("missing.txt", True)]
    assert "no such file" in items[2].error


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


def test_groups_batch_small_files_and_isolate_big_ones():
    from repair.io.batch import Job

    jobs = [Job(InputItem(f"{i}", f"{i}"), size=size) for i, size in enumerate([10, 10, 5000, 10, 10, 10])]
    groups = group_jobs(jobs, BatchOptions(files_per_task=2, stream_threshold=1000))
    assert [[j.item.path for j in g] for g in groups] == [["0", "1"], ["2"], ["3", "4"], ["5"]]


def test_plan_reports_output_collisions(tmp_path):
    items = [InputItem(str(tmp_path / "a" / "x.txt"), "x.txt"), InputItem(str(tmp_path / "b" / "x.txt"), "x.txt")]
    jobs, known = plan(items, BatchOptions(outdir=tmp_path / "out"), None)
    assert len(jobs) == 1 and "would also receive" in known[1].error


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray not installed (optional extra: pip install 'ray[data]')")
def test_ray_engine_matches_local(tmp_path):
    for i in range(4):
        (tmp_path / f"f{i}.txt").write_text(SPUN if i % 2 else CLEAN)
    options = BatchOptions(keep_text=True, jobs=1, files_per_task=1)
    local = [o.text for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, options)]
    ray_texts = [o.text for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, options, engine="ray")]
    assert ray_texts == local == [CLEAN, FIXED, CLEAN, FIXED]


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
