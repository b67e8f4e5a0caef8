"""The Ray engine for real (repair/io/engines.py ``run_ray``) on a local Ray instance.

Skipped only where Ray is not importable; CI installs the ``ray`` extra, so it runs there.
Outputs and manifest must be what the local engine gives (timings aside), and a Ray worker that
dies mid-batch must leave every input either written whole or reported failed.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from repair.io.batch import run_batch
from repair.io.inputs import collect_inputs
from repair.io.manifest import MANIFEST_NAME
from repair.pipeline.repairer import Repairer
from tests.io.tiny import CLEAN, SPUN, SaidRestorer, TermGlossary, WordDetector, manifest_entries, options_for, snapshot, tiny_repairer

ray = pytest.importorskip("ray", reason="ray not installed (the optional extra: pip install 'ray[data]')")

pytestmark = pytest.mark.slow

# Manifest fields that say how long a file took: the only ones allowed to differ between engines.
TIMINGS = ("seconds",)


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module (run_ray uses it instead of starting its own)."""
    env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env=env)
    yield
    ray.shutdown()


def outputs(root: Path) -> dict[str, str]:
    """Hashes of the output files (the manifest is compared apart, without its timings)."""
    return {rel: digest for rel, digest in snapshot(root).items() if not rel.endswith(MANIFEST_NAME)}


def without_timings(entries: list[dict], root: Path) -> list[dict]:
    """Manifest records without timings, output paths relative to their folder, in input order."""
    rows = [{k: v for k, v in e.items() if k not in TIMINGS} for e in entries]
    for row in rows:
        if row.get("output"):
            row["output"] = str(Path(row["output"]).relative_to(root))
    return sorted(rows, key=lambda r: r["path"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_ray_output_and_manifest_equal_the_local_engine(mixed, tmp_path, local_ray, jobs):
    local_out, ray_out = tmp_path / "local", tmp_path / "ray"
    local = list(run_batch(collect_inputs([str(mixed)]), tiny_repairer, options_for(local_out, jobs=jobs, files_per_task=2)))
    on_ray = list(run_batch(collect_inputs([str(mixed)]), tiny_repairer, options_for(ray_out, jobs=jobs, files_per_task=2), engine="ray"))

    assert [(o.rel, o.status, o.error) for o in on_ray] == [(o.rel, o.status, o.error) for o in local]
    assert outputs(ray_out) == outputs(local_out)  # byte-identical outputs
    assert without_timings(manifest_entries(ray_out), ray_out) == without_timings(manifest_entries(local_out), local_out)
    assert any(o.status == "done" and o.changed for o in on_ray) and any(o.status == "failed" for o in on_ray)


class DyingDetector(WordDetector):
    """Kills its whole worker process (as the OOM killer would) on a paragraph holding "CRASH".

    With ``once`` the marker file is removed first, so the retried task succeeds; without it
    the file is poison and every worker that reads it dies.
    """

    def __init__(self, marker: str, once: bool):
        self.marker, self.once = marker, once

    def detect_batch(self, paragraphs):
        if any("CRASH" in p for p in paragraphs) and os.path.exists(self.marker):
            if self.once:
                os.remove(self.marker)
            os._exit(1)
        return super().detect_batch(paragraphs)


class DyingFactory:
    """Picklable factory of the tiny pipeline with a ``DyingDetector``."""

    def __init__(self, marker: Path, once: bool):
        self.marker, self.once = str(marker), once

    def __call__(self) -> Repairer:
        return Repairer(detector=DyingDetector(self.marker, self.once), glossary=TermGlossary(), restorers=[SaidRestorer()])


def crash_folder(root: Path) -> Path:
    root.mkdir()
    for i in range(8):
        (root / f"f{i}.txt").write_text(SPUN if i % 2 else CLEAN)
    (root / "poison.txt").write_text("CRASH here.\n" + SPUN)
    return root


@pytest.mark.parametrize("once", [True, False], ids=["killed-once", "killed-every-time"])
def test_a_killed_ray_worker_leaves_each_input_written_whole_or_failed(tmp_path, local_ray, once):
    folder = crash_folder(tmp_path / "in")
    marker = tmp_path / "marker"
    marker.touch()
    out, reference = tmp_path / "out", tmp_path / "reference"
    list(run_batch(collect_inputs([str(folder)]), tiny_repairer, options_for(reference)))
    outcomes = list(run_batch(collect_inputs([str(folder)]), DyingFactory(marker, once), options_for(out, jobs=2, files_per_task=1), engine="ray"))

    assert sorted(o.rel for o in outcomes) == sorted(p.name for p in folder.iterdir())
    for outcome in outcomes:
        target = out / outcome.rel
        if outcome.status == "done":  # whole: what a pipeline that never dies writes
            assert target.read_bytes() == (reference / outcome.rel).read_bytes()
        else:
            assert outcome.status == "failed" and "Ray worker died" in outcome.error and not target.exists()
    assert not list(out.rglob("*.unspin-part"))
    recorded = {e["path"]: e["status"] for e in manifest_entries(out)}
    assert recorded == {o.path: o.status for o in outcomes}
    by_rel = {o.rel: o for o in outcomes}
    if once:  # Ray restarts the actor and retries the task: nothing is lost
        assert all(o.status == "done" for o in outcomes)
    else:  # the poison file fails alone, after Ray's retries; the others are written
        assert by_rel["poison.txt"].status == "failed"
        assert all(o.status == "done" for rel, o in by_rel.items() if rel != "poison.txt")


def test_cli_fix_on_ray_writes_what_the_local_engine_writes(tmp_path):
    """`unspin fix DIR -o OUT --engine ray` as a user runs it, glossary-only over the shipped resources."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"f{i}.txt").write_text(SPUN if i % 2 else CLEAN)
    outs = {}
    for engine in ("local", "ray"):
        outs[engine] = tmp_path / engine
        command = [sys.executable, "-m", "repair", "fix", str(folder), "-o", str(outs[engine]), "--engine", engine, "-j", "2",
                   "--detector", "lexicon", "--no-model", "-q"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert outputs(outs["ray"]) == outputs(outs["local"]) != {}
    assert without_timings(manifest_entries(outs["ray"]), outs["ray"]) == without_timings(manifest_entries(outs["local"]), outs["local"])
