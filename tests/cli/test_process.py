"""`unspin` as a real child process: what only a process shows (exit status, pipes, signals).

Each test here starts ``python -m repair`` (seconds of imports and, where it repairs, model
loading), so this file keeps only what cannot be seen in process: stdin to stdout through real
pipes with the shipped pipeline, the exit statuses 0/1/2, and killing a batch and resuming it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from repair.detect.registry import DETECTORS
from tests.cli.runner import run_process, seed_path


@pytest.mark.shared
def test_fix_reads_stdin_and_writes_stdout_with_the_shipped_pipeline(seeds_dir, shipped_repairer):
    # The first paragraphs of the spun seed: the whole default pipeline runs, in seconds.
    spun = b"\n".join(seed_path(seeds_dir, "003").read_bytes().split(b"\n")[:6]) + b"\n"
    result = run_process(["fix", "-"], stdin=spun)
    assert result.returncode == 0, result.stderr
    # The child loaded the shipped pipeline by itself; it repairs exactly as the library does.
    expected = shipped_repairer.repair(spun.decode("utf-8")).text.encode("utf-8")
    assert result.stdout == expected and expected != spun


def test_exit_status_0_for_help():
    result = run_process(["--help"])
    assert result.returncode == 0 and b"usage: unspin" in result.stdout


def test_exit_status_1_names_the_input_that_failed(tmp_path):
    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    # The lexicon detector and the glossary: the input fails, not the models (loads in seconds).
    result = run_process(["fix", str(binary), "--detector", "lexicon", "--no-model"])
    assert result.returncode == 1 and result.stdout == b""
    assert str(binary).encode() in result.stderr and b"binary file" in result.stderr


def test_exit_status_2_for_a_usage_error(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Text.\n")
    result = run_process(["fix", "a.txt", "b.txt"], cwd=tmp_path)
    assert result.returncode == 2 and b"needs -o OUTDIR" in result.stderr


def test_exit_status_2_for_an_unknown_detector_in_the_environment():
    env = {**os.environ, "UNSPIN_DETECTOR": "bogus"}
    result = run_process(["detect", "-"], stdin=b"Text.\n", env=env)
    assert result.returncode == 2 and result.stdout == b""
    assert b"unknown detector 'bogus'" in result.stderr
    assert str(sorted(DETECTORS)).encode() in result.stderr


@pytest.mark.shared
@pytest.mark.parametrize("signum, jobs", [(signal.SIGINT, "1"), (signal.SIGTERM, "2")])
def test_interrupted_fix_leaves_no_partial_file_and_resumes(seeds_dir, tmp_path, signum, jobs):
    spun = seed_path(seeds_dir, "003").read_bytes()
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    copies = 12
    for i in range(copies):
        (root / f"{i:02d}.txt").write_bytes(spun)
    # Interruption and resumption are under test, not the models: the lexicon detector and the
    # glossary load in a few seconds, and twelve files still take several seconds to repair.
    fast = ["--detector", "lexicon", "--no-model"]
    command = [sys.executable, "-m", "repair", "fix", str(root), "-o", str(out), "-j", jobs, "-q", "--batch-files", "1", *fast]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    manifest = out / "unspin-manifest.jsonl"
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline and not (manifest.is_file() and manifest.read_bytes().count(b"\n") >= 2):
        time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert not list(out.rglob("*.unspin-part"))
    partial = {p.name: p.read_bytes() for p in out.glob("*.txt")}
    assert 2 <= len(partial) < copies
    resumed = run_process(["fix", str(root), "-o", str(out), *fast])
    assert resumed.returncode == 0 and f"resumed {len(partial)}".encode() in resumed.stderr
    outputs = {p.name: p.read_bytes() for p in out.glob("*.txt")}
    assert len(outputs) == copies and len(set(outputs.values())) == 1
    assert all(outputs[name] == data for name, data in partial.items())
