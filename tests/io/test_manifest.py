"""The manifest (repair/io/manifest.py): what a batch recorded, and resuming from it."""
from __future__ import annotations

import hashlib
import json
import os

from repair.io.batch import run_batch
from repair.io.inputs import collect_inputs
from repair.io.manifest import MANIFEST_NAME, Manifest, load_manifest
from repair.io.options import BatchOptions
from repair.io.outcomes import FileOutcome
from tests.io.tiny import FIXED, SPUN, options_for, tiny_repairer


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


def test_in_place_resume_recognises_its_own_output(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "spun.txt").write_text(SPUN)
    options = BatchOptions(in_place=True, backup_suffix="", manifest=tmp_path / "m.jsonl")
    (first,) = run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options)
    (second,) = run_batch(collect_inputs([str(tmp_path / "in")]), tiny_repairer, options)
    assert first.changed and not first.resumed and second.resumed
    assert first.output_sha256 == hashlib.sha256(FIXED.encode()).hexdigest()
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["spun.txt"]


def test_a_torn_last_line_is_ignored_and_the_last_entry_wins(tmp_path):
    path = tmp_path / MANIFEST_NAME
    manifest = Manifest(path)
    manifest.append(FileOutcome(path="a.txt", rel="a.txt", status="failed", error="a.txt: boom"))
    manifest.append(FileOutcome(path="a.txt", rel="a.txt", status="done", sha256="abc"))
    manifest.close()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"path": "b.txt", "sta')
    entries = load_manifest(path)
    assert list(entries) == [os.path.abspath("a.txt")]
    (entry,) = entries.values()
    assert entry["status"] == "done" and entry["sha256"] == "abc"
    assert json.loads(path.read_text().splitlines()[0])["error"] == "a.txt: boom"
