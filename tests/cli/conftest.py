"""The ``unspin`` fixture: the CLI in this process, on the session's already-loaded shipped pipeline."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from repair.document.profile import SpinnerProfile
from repair.io.options import RepairerFactory
from repair.paths import models_dir
from tests.cli.runner import Run, run_in_process


@pytest.fixture
def unspin(monkeypatch, request) -> Callable[..., Run]:
    """Call as ``unspin("fix", "-", stdin=b"...", cwd=tmp_path)``; returns a ``Run``.

    The CLI builds its pipeline through ``RepairerFactory``. Here the factory hands back the
    session's real shipped pipeline (``Repairer.load()``, loaded once, with the config the
    command asked for) instead of loading the same files again: reuse of the real models, not
    a mock. Another ``--models`` folder still loads from that folder. The pipeline is asked for
    only when a command builds one, so --help and usage errors load no model.
    """
    load_from_disk = RepairerFactory.__call__
    shipped_root = models_dir().resolve()

    def shipped(factory: RepairerFactory):
        if factory.models is not None and Path(factory.models).resolve() != shipped_root:
            return load_from_disk(factory)
        pipeline = request.getfixturevalue("shipped_pipeline")(factory.config)
        return pipeline.with_profile(SpinnerProfile.load(factory.profile)) if factory.profile else pipeline

    monkeypatch.setattr(RepairerFactory, "__call__", shipped)
    monkeypatch.delenv("UNSPIN_DETECTOR", raising=False)
    monkeypatch.delenv("UNSPIN_MODELS", raising=False)

    def run(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> Run:
        return run_in_process(list(args), monkeypatch, stdin=stdin, cwd=cwd)

    return run
