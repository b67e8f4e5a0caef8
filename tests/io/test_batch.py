"""The batch supervisor (repair/io/batch.py) on a folder of mixed, partly broken files.

The pipeline is ``tests/io/tiny.py``'s tiny real ``Repairer``, so these tests pin down the
batch behaviour independently of the shipped models; `tests/cli/test_cli.py` runs the same
paths end to end, in a real process, with ``Repairer.load()``. ``tiny_repairer`` and the
texts are importable from here too (``from tests.io.test_batch import SPUN, tiny_repairer``).
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from repair.io.batch import interrupts_held, run_batch, terminate_as_interrupt
from repair.io.inputs import collect_inputs
from repair.io.manifest import MANIFEST_NAME
from repair.io.options import BatchOptions
from repair.io.outcomes import Summary
from tests.io.tiny import (  # noqa: F401  (CLEAN, FIXED, SPUN, tiny_repairer: also imported from here by other tests)
    CLEAN,
    EXPECTED_OUTPUT,
    FIXED,
    NOT_PROCESSED,
    SPUN,
    interrupting_repairer,
    manifest_entries,
    options_for,
    snapshot,
    tiny_repairer,
)


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


# A batch run as its own process, stopped with a real SIGTERM (as `kill` or a timeout would).
KILLABLE_RUN = """
import faulthandler
import sys
faulthandler.dump_traceback_later(45, exit=True)  # a hang shows every thread's stack in the test's failure
from contextlib import closing
from pathlib import Path
from repair.io.batch import run_batch, terminate_as_interrupt
from repair.io.inputs import collect_inputs
from tests.io.tiny import options_for, slow_repairer

source, out, jobs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
options = options_for(out, jobs=jobs, files_per_task=1)
try:
    with terminate_as_interrupt(), closing(run_batch(collect_inputs([source]), slow_repairer, options)) as outcomes:
        for outcome in outcomes:
            print(outcome.rel, flush=True)
except KeyboardInterrupt:
    sys.exit(130)
"""
REPO = Path(__file__).resolve().parents[2]


def test_killed_batch_process_leaves_no_partial_output_and_resumes(tmp_path):
    """Two workers, so the supervisor must also stop its workers before cleaning up."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    names = [f"f{i:02d}.txt" for i in range(20)]
    for name in names:
        (source / name).write_text(SPUN)
    command = [sys.executable, "-c", KILLABLE_RUN, str(source), str(out), "2"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "f00.txt"  # one file committed, the run still going
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    written = [p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]
    assert written and all(p.read_bytes() == FIXED.encode() for p in written)  # every file there is complete
    assert len(written) < len(names) and not list(out.rglob("*.unspin-part"))
    outcomes = list(run_batch(collect_inputs([str(source)]), tiny_repairer, options_for(out)))
    assert sum(o.resumed for o in outcomes) == len(written)
    assert all((out / name).read_bytes() == FIXED.encode() for name in names)


def test_a_signal_during_a_commit_takes_effect_after_its_manifest_line():
    """SIGTERM between moving an output into place and writing its manifest line waited for the
    line: otherwise a resumed run did that file again."""
    steps = []
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
        with interrupts_held():
            steps.append("output in place")
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("manifest line")
        steps.append("next file")
    assert steps == ["output in place", "manifest line"]
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
        steps.append("an ignored Ctrl-C stays ignored")
    finally:
        signal.signal(signal.SIGINT, ignored)
    assert steps[-1] == "an ignored Ctrl-C stays ignored"
