"""Running ``unspin`` from tests: in this process (fast) or in a child process (the real thing).

Most CLI tests call ``repair.cli.main`` in this process with stdin, stdout and stderr swapped
for byte buffers; starting a process costs seconds of imports and model loading per test and
is only worth it where the process itself is under test (exit status, signals, real pipes).
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from repair.cli import main


@dataclass(frozen=True)
class Run:
    """What a command gave back, shaped like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: bytes
    stderr: bytes


def exit_status(code: object) -> int:
    """The status a process would exit with for ``sys.exit(code)``."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run_in_process(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: bytes = b"", cwd: Path | None = None) -> Run:
    """``unspin ARGS`` through ``repair.cli.main``, with byte buffers for the standard streams."""
    stdout, stderr = io.BytesIO(), io.BytesIO()
    with monkeypatch.context() as patch:
        if cwd is not None:
            patch.chdir(cwd)
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        patch.setattr(sys, "stdout", io.TextIOWrapper(stdout, encoding="utf-8", write_through=True))
        patch.setattr(sys, "stderr", io.TextIOWrapper(stderr, encoding="utf-8", write_through=True))
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse: --help, usage errors
            code = exit_status(exit.code)
        sys.stdout.flush()
        sys.stderr.flush()
        # Read before the wrappers go: closing a TextIOWrapper closes its buffer.
        return Run(code, stdout.getvalue(), stderr.getvalue())


def run_process(args: list[str], stdin: bytes = b"", cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """``unspin ARGS`` in a child process (``python -m repair``, the same interpreter)."""
    result = subprocess.run([sys.executable, "-m", "repair", *args], input=stdin, capture_output=True, cwd=cwd, env=env, timeout=600)
    return Run(result.returncode, result.stdout, result.stderr)


def json_lines(output: bytes) -> list[dict]:
    return [json.loads(line) for line in output.decode("utf-8").splitlines() if line.strip()]


def seed_path(seeds_dir: Path, prefix: str) -> Path:
    matches = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} not found in {seeds_dir}")
    return matches[0]
