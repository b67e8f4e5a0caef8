"""Engines (repair/io/engines.py): worker processes and Ray give what this process gives."""
from __future__ import annotations

import functools
import importlib.util
import multiprocessing
import os
import signal
import threading
import time

import pytest

from repair.errors import ModelNotFoundError
from repair.io.batch import run_batch
from repair.io.engines import stop_workers
from repair.io.inputs import collect_inputs
from repair.io.options import BatchOptions
from repair.pipeline.repairer import Repairer
from tests.io.tiny import CLEAN, FIXED, SPUN, tiny_repairer


def test_worker_pool_matches_this_process(tmp_path):
    for i in range(6):
        (tmp_path / f"f{i}.txt").write_text(SPUN if i % 2 else CLEAN)
    options = BatchOptions(keep_text=True, files_per_task=1)
    local = [o.text for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, options)]
    pooled = [o.text for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, BatchOptions(keep_text=True, files_per_task=1, jobs=2))]
    assert pooled == local == [CLEAN, FIXED] * 3


def broken_factory():
    raise ModelNotFoundError("no models in /nowhere")


def test_a_worker_that_cannot_load_the_pipeline_stops_the_batch(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.txt").write_text(SPUN)
    with pytest.raises(ModelNotFoundError, match="a worker could not load the pipeline: .*no models in /nowhere"):
        list(run_batch(collect_inputs([str(tmp_path)]), broken_factory, BatchOptions(jobs=2, files_per_task=1)))


def test_unknown_engine_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown engine 'spark'; choose from \\['local', 'ray'\\]"):
        list(run_batch([], tiny_repairer, BatchOptions(), engine="spark"))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray not installed (optional extra: pip install 'ray[data]')")
def test_ray_engine_matches_local(tmp_path):
    for i in range(4):
        (tmp_path / f"f{i}.txt").write_text(SPUN if i % 2 else CLEAN)
    options = BatchOptions(keep_text=True, jobs=1, files_per_task=1)
    local = [o.text for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, options)]
    ray_texts = [o.text for o in run_batch(collect_inputs([str(tmp_path)]), tiny_repairer, options, engine="ray")]
    assert ray_texts == local == [CLEAN, FIXED, CLEAN, FIXED]


def ignore_terminate_then_wait(ready) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.set()
    time.sleep(120)


def test_stopping_workers_does_not_wait_on_a_worker_deaf_to_sigterm():
    """A worker that cannot act on SIGTERM (stuck, or stopped before its handlers were set) is
    still stopped: before, the batch waited for it forever."""
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    worker = context.Process(target=ignore_terminate_then_wait, args=(ready,), daemon=True)
    worker.start()
    assert ready.wait(30)
    stopper = threading.Thread(target=stop_workers, args=([worker],), daemon=True)
    stopper.start()
    stopper.join(30)
    alive = worker.is_alive()
    if alive:
        worker.kill()
    assert not alive and not stopper.is_alive()


def first_worker_stuck_factory(marker: str) -> Repairer:
    """The first worker to build its pipeline never finishes (as one stuck in a lock it inherited
    through fork); the others build the tiny pipeline."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return tiny_repairer()
    time.sleep(600)
    raise AssertionError("unreachable")


def test_a_worker_stuck_before_its_first_task_does_not_hold_up_the_end_of_the_batch(tmp_path):
    """The other worker does every file; the batch then ends instead of waiting for the stuck one."""
    source = tmp_path / "in"
    source.mkdir()
    for i in range(4):
        (source / f"f{i}.txt").write_text(SPUN)
    factory = functools.partial(first_worker_stuck_factory, str(tmp_path / "marker"))
    outcomes = []
    batch = threading.Thread(target=lambda: outcomes.extend(
        run_batch(collect_inputs([str(source)]), factory, BatchOptions(keep_text=True, files_per_task=1, jobs=2))), daemon=True)
    batch.start()
    batch.join(60)
    assert not batch.is_alive()
    assert [o.text for o in outcomes] == [FIXED] * 4
