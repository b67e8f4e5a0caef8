"""Planning a batch (repair/io/plan.py): targets, collisions, groups for the workers."""
from __future__ import annotations

from repair.io.inputs import InputItem
from repair.io.options import BatchOptions
from repair.io.plan import Job, group_jobs, plan


def test_groups_batch_small_files_and_isolate_big_ones():
    jobs = [Job(InputItem(f"{i}", f"{i}"), size=size) for i, size in enumerate([10, 10, 5000, 10, 10, 10])]
    groups = group_jobs(jobs, BatchOptions(files_per_task=2, stream_threshold=1000))
    assert [[j.item.path for j in g] for g in groups] == [["0", "1"], ["2"], ["3", "4"], ["5"]]


def test_plan_reports_output_collisions(tmp_path):
    items = [InputItem(str(tmp_path / "a" / "x.txt"), "x.txt"), InputItem(str(tmp_path / "b" / "x.txt"), "x.txt")]
    jobs, known = plan(items, BatchOptions(outdir=tmp_path / "out"), None)
    assert len(jobs) == 1 and "would also receive" in known[1].error

