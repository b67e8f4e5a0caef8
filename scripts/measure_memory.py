"""Resident memory of `unspin fix DIR -o OUT -j N` over a long batch of small files (issue 16).

Writes a folder of small files, each a few paragraphs of a different corpus article (held-out split
first, then training; every other file spun by the project's spinner), so that text-keyed caches
see new text all along as they would on a real batch; runs `unspin fix` on it
as a user would, and samples the resident memory of the supervisor and of every worker process
with the number of files finished (manifest lines) every ``--every`` seconds.

    python scripts/measure_memory.py --files 10000 -j 2 --label lexicon -- --detector lexicon --no-model
    python scripts/measure_memory.py --files 1000 -j 2 --label default

The series goes into eval/reports/memory.json under ``--label`` (other labels are kept) and is drawn
in memory.png beside it; a run
is flat when the median worker RSS of the last fifth of the run after warm-up (the first 10% of
files) is less than 5% above that of the first fifth (``summarise``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "eval/reports/memory.json"


def write_folder(root: Path, files: int, paragraphs_per_file: int = 3) -> int:
    from repair.evaluate.bench import corpus_articles, make_spinner
    from repair.paths import corpus_path
    from repair.text import paragraphs

    spin = make_spinner(0.3, None)
    articles = corpus_articles([corpus_path("test"), corpus_path("train")])
    words = 0
    for i, article in zip(range(files), articles):
        body = "\n\n".join(p.text for p in paragraphs(article)[:paragraphs_per_file]) + "\n"
        body = spin(body, i) if spin is not None and i % 2 else body
        path = root / f"{i // 1000:03d}" / f"doc-{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        words += len(body.split())
    return words


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


def run(folder: Path, out: Path, jobs: int, every: float, extra: list[str]) -> list[dict]:
    command = [sys.executable, "-m", "repair", "fix", str(folder), "-o", str(out), "-j", str(jobs), "-q", *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started, series = time.perf_counter(), []
    while process.poll() is None:
        workers = [p for p in children(process.pid) if rss_mb(p) > 0]
        series.append({"seconds": round(time.perf_counter() - started, 1), "files_done": lines(out / "unspin-manifest.jsonl"),
                       "supervisor_mb": round(rss_mb(process.pid), 1), "workers_mb": [round(rss_mb(p), 1) for p in workers]})
        time.sleep(every)
    if process.returncode not in (0, 1):
        raise SystemExit(f"unspin fix failed ({process.returncode}): {process.stderr.read()[-2000:]}")
    return series


def summarise(series: list[dict], files: int, jobs: int) -> dict:
    """Worker RSS after warm-up (10% of files): median and low of the first and the last fifth.

    A worker's RSS swings by up to a gigabyte inside each group of files (the models' working
    memory for one batch, handed back after it), so single samples say little: growth is read
    from the median of each fifth, and the lows show whether the floor between groups rises.
    """
    def worker_values(sample):
        return sample["workers_mb"] if jobs > 1 else [sample["supervisor_mb"]]

    sampled = [s for s in series if (s["workers_mb"] or jobs == 1) and s["files_done"] > 0]
    warm = [s for s in sampled if s["files_done"] >= files * 0.1] or sampled
    if len(warm) < 5:
        return {}
    fifth = len(warm) // 5
    first = [v for s in warm[:fifth] for v in worker_values(s)]
    last = [v for s in warm[-fifth:] for v in worker_values(s)]
    return {"after_warmup_mb": round(statistics.median(first), 1), "end_mb": round(statistics.median(last), 1),
            "low_after_warmup_mb": round(min(first), 1), "low_end_mb": round(min(last), 1),
            "peak_mb": round(max(v for s in warm for v in worker_values(s)), 1),
            "growth_after_warmup": round(statistics.median(last) / statistics.median(first) - 1, 4)}


def plot(report: dict, path: Path) -> None:
    """Worker RSS (mean over workers) against files finished, one line per labelled run."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.5), dpi=110)
    axes = figure.add_subplot()
    for label, run_ in report.items():
        points = [(s["files_done"], sum(s["workers_mb"]) / len(s["workers_mb"])) for s in run_["series"] if s["workers_mb"]]
        axes.plot([p[0] for p in points], [p[1] for p in points], label=f"{label}: {run_['command']}")
    axes.set_xlabel("files finished")
    axes.set_ylabel("worker RSS (MB, mean of workers)")
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=7, loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--label", default="lexicon", help="key of this run in the report")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("extra", nargs="*", help="more `unspin fix` options, after --")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unspin-memory-") as scratch:
        folder, out = Path(scratch) / "in", Path(scratch) / "out"
        words = write_folder(folder, args.files)
        started = time.perf_counter()
        series = run(folder, out, args.jobs, args.every, args.extra)
        seconds = time.perf_counter() - started
    summary = summarise(series, args.files, args.jobs)
    result = {"command": f"unspin fix DIR -o OUT -j {args.jobs} {' '.join(args.extra)}".strip(), "files": args.files, "words": words,
              "seconds": round(seconds, 1), **summary, "series": series}
    report = json.loads(args.report.read_text()) if args.report.is_file() else {}
    report[args.label] = result
    args.report.write_text(json.dumps(report, indent=1) + "\n")
    plot(report, args.report.with_suffix(".png"))
    print(json.dumps({k: v for k, v in result.items() if k != "series"}))
    step = max(1, len(series) // 20)
    for sample in series[::step]:
        print(f"{sample['seconds']:>8.1f}s {sample['files_done']:>7} files  supervisor {sample['supervisor_mb']:>7.0f} MB  workers {sample['workers_mb']}")


if __name__ == "__main__":
    main()
