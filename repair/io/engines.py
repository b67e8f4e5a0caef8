"""Engines that run groups of jobs and yield (group number, outcomes) as each group finishes.

``local`` runs in this process for ``jobs == 1`` and in worker processes fed through queues
otherwise; ``ray`` hands the groups to Ray Data (an optional extra). Each worker builds the
pipeline once with the factory it is given (``repair.io.options.RepairerFactory``).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import queue
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict

from repair.errors import ModelNotFoundError, UnspinError
from repair.io.options import BatchOptions
from repair.io.outcomes import FileOutcome, failed
from repair.io.plan import Job
from repair.io.process import process_jobs
from repair.pipeline.repairer import Repairer

Results = Iterator[tuple[int, list[FileOutcome]]]


# ----------------------------------------------------------------------------- local


def run_local(groups: list[list[Job]], factory: Callable[[], Repairer], options: BatchOptions) -> Results:
    """Yield (group number, outcomes) as each group finishes (in this process for ``jobs == 1``)."""
    if options.jobs <= 1:
        if not groups:
            return
        repairer = factory()
        for group_id, group in enumerate(groups):
            yield group_id, process_jobs(repairer, group, options)
        return
    yield from run_pool(groups, factory, options)


def worker_loop(factory: Callable[[], Repairer], options: BatchOptions, tasks, results) -> None:
    """Body of a worker process: build the pipeline once, then take groups until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor handles Ctrl-C and cleans up
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and stops workers with SIGTERM: die at once
    try:
        repairer = factory()
    except BaseException as error:  # report, then stop: the supervisor turns it into an error
        results.put(("load-failed", os.getpid(), f"{type(error).__name__}: {error}"))
        return
    limit_threads(options.jobs)
    while (task := tasks.get()) is not None:
        task_id, group = task
        results.put(("started", task_id, os.getpid()))
        try:
            results.put(("done", task_id, process_jobs(repairer, group, options)))
        except BaseException:
            results.put(("done", task_id, [failed(job.item, f"internal error: {traceback.format_exc(limit=3)}") for job in group]))


def limit_threads(jobs: int) -> None:
    """Several workers on few cores: keep each worker's torch to its share of the CPUs."""
    if "torch" in sys.modules and jobs > 1:
        sys.modules["torch"].set_num_threads(max(1, (os.cpu_count() or 1) // jobs))


# Every result is in when the workers are told to stop, so a worker still there after this long
# has nothing left to lose and is killed.
WORKER_EXIT_SECONDS = 5.0


def run_pool(groups: list[list[Job]], factory: Callable[[], Repairer], options: BatchOptions) -> Results:
    """Worker processes fed through queues, at most two groups in flight per worker."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    tasks, results = context.Queue(), context.Queue()
    workers = [context.Process(target=worker_loop, args=(factory, options, tasks, results), daemon=True) for _ in range(min(options.jobs, max(1, len(groups))))]
    for worker in workers:
        worker.start()
    pending = dict(enumerate(groups))
    running: dict[int, int] = {}  # task id -> worker pid
    next_id, in_flight = 0, 0
    try:
        while pending or in_flight:
            while next_id < len(groups) and in_flight < 2 * len(workers):
                tasks.put((next_id, groups[next_id]))
                next_id, in_flight = next_id + 1, in_flight + 1
            message = poll(results, workers, running, pending)
            if message is None:
                continue
            kind, task_id, payload = message
            if kind == "started":
                running[task_id] = payload
            elif kind in ("done", "lost"):
                running.pop(task_id, None)
                pending.pop(task_id, None)
                in_flight -= 1
                yield task_id, payload
    except BaseException:
        stop_workers(workers)
        # Tasks no worker will read: let this process exit without flushing them into a full pipe.
        tasks.cancel_join_thread()
        raise
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.join(WORKER_EXIT_SECONDS)
    stop_workers(workers)  # one that never took a task (stuck since it was forked) never reads its None


def stop_workers(workers) -> None:
    """Kill workers at once (interrupt or error): their unfinished temp files are cleaned after.

    SIGKILL, not SIGTERM: a worker stopped before its own handlers are set, or stuck in a lock
    inherited through fork, cannot act on SIGTERM, and waiting for it hung the batch (CI, once).
    """
    for worker in workers:
        if worker.is_alive():
            worker.kill()
    for worker in workers:
        worker.join()


def poll(results, workers, running: dict[int, int], pending: dict[int, list[Job]]):
    """Next worker message; a crashed worker's running group comes back as failed outcomes."""
    try:
        message = results.get(timeout=1.0)
    except queue.Empty:
        return lost_group(workers, running, pending)
    if message[0] == "load-failed":
        raise ModelNotFoundError(f"a worker could not load the pipeline: {message[2]}")
    return message


def lost_group(workers, running: dict[int, int], pending: dict[int, list[Job]]):
    alive = {w.pid for w in workers if w.is_alive()}
    if not alive:
        if pending:
            raise UnspinError("all worker processes died")
    for task_id, pid in list(running.items()):
        if pid not in alive:
            running.pop(task_id)
            group = pending.pop(task_id)
            return ("lost", task_id, [failed(job.item, "worker process died while processing this file") for job in group])
    return None


# ----------------------------------------------------------------------------- ray


# Ray runs a group again on a fresh worker when its worker dies (out of memory, node lost); a
# group that has killed this many workers is poison: its files are reported failed, not retried.
RAY_TASK_RETRIES = 2


def run_ray(groups: list[list[Job]], factory: Callable[[], Repairer], options: BatchOptions) -> Results:
    """``--engine ray``: Ray Data ``map_batches`` with one pipeline per actor (optional extra).

    Connects to ``options.ray_address`` (a cluster: ``ray://host:10001`` or ``auto``) or to the
    instance this process already started; otherwise starts a local one for this run. Workers
    write their temp files where the driver reads them, so a cluster needs the inputs and the
    output folder on a shared filesystem. A group whose workers died ``RAY_TASK_RETRIES + 1``
    times is reported failed, file by file; the other groups are unaffected.
    """
    try:
        import ray
    except ImportError:
        raise UnspinError("--engine ray needs Ray: pip install 'ray[data]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        # A local instance: its workers see the driver's import path (test modules, scripts).
        if options.ray_address:  # the cluster's workers need unspin installed (as `pip install unspin[ray]`)
            ray.init(address=options.ray_address, log_to_driver=False)
        else:
            env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
            ray.init(num_cpus=max(1, options.jobs), include_dashboard=False, log_to_driver=False, runtime_env=env)
    context = ray.data.DataContext.get_current()
    errored_blocks = context.max_errored_blocks
    context.max_errored_blocks = -1  # a dead group is reported failed below; it does not stop the others
    seen: set[int] = set()
    try:
        dataset = ray.data.from_items([{"group": i} for i in range(len(groups))], override_num_blocks=max(1, len(groups)))
        actor = make_ray_actor(factory, options, groups)
        # One group in flight per actor: a worker that dies takes only its own group with it, so a
        # poison group never uses up the retries of the groups queued behind it.
        pool = ray.data.ActorPoolStrategy(size=max(1, options.jobs), max_tasks_in_flight_per_actor=1)
        outcomes = dataset.map_batches(actor, batch_size=1, compute=pool, num_cpus=1,
                                       max_restarts=-1, max_task_retries=RAY_TASK_RETRIES)
        for row in outcomes.iter_rows():
            seen.add(int(row["group"]))
            yield row["group"], [FileOutcome(**json.loads(o)) for o in json.loads(row["outcomes"])]
        for group_id, group in enumerate(groups):
            if group_id not in seen:
                yield group_id, [failed(job.item, "a Ray worker died while processing this file") for job in group]
    finally:
        context.max_errored_blocks = errored_blocks
        if started_here:
            ray.shutdown()


def make_ray_actor(factory: Callable[[], Repairer], options: BatchOptions, groups: list[list[Job]]):
    class Actor:
        def __init__(self):
            self.repairer = factory()

        def __call__(self, batch: dict) -> dict:
            out = []
            for group_id in batch["group"]:
                done = process_jobs(self.repairer, groups[int(group_id)], options)
                out.append(json.dumps([json.dumps(outcome_dict(o)) for o in done]))
            return {"group": [int(g) for g in batch["group"]], "outcomes": out}

    return Actor


def outcome_dict(outcome: FileOutcome) -> dict:
    """An outcome as JSON-safe fields (the encoding object stays behind in the worker)."""
    data = asdict(outcome)
    data["raw_encoding"] = None
    return data


ENGINES: dict[str, Callable[[list[list[Job]], Callable[[], Repairer], BatchOptions], Results]] = {
    "local": run_local,
    "ray": run_ray,
}
