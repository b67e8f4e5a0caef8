"""Throughput and memory benchmark behind ``unspin bench`` (speed lives here, not in tests).

Measures, with the pipeline as shipped:
* start-up: ``unspin --help`` and ``unspin detect`` of one clean line, in child processes;
* words/s of ``detect`` and of ``repair`` on clean and on spun text, in this process (the
  pipeline is loaded and warmed on one spun paragraph first, so lazily loaded models count as load);
* words/s and files/s of ``unspin fix FOLDER -o OUT`` for each ``-j`` value, run as a child
  process exactly as a user would run it, with the peak resident memory of its whole process
  tree (supervisor plus workers);
* pieces/s the language model scores (``repair.lm``), when its package is installed.

The defaults finish in about three minutes on two busy cores; ``--words``, ``--folder-mb`` and
``-j`` give the larger runs.

Benchmark text comes from the corpus files the caller names (the CLI passes the held-out split
``news_test`` first, then the training split for bigger folders); every other article is spun
with the project's spinner when it is available. Or it comes from files the caller names.
"""
from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from repair.errors import UnspinError
from repair.text import count_words, paragraphs

if TYPE_CHECKING:
    from repair.pipeline.repairer import Repairer

# One line of clean news: ``unspin detect`` on it is the start-up figure a user feels.
ONE_LINE = "The minister said talks would continue."


class Progress(Protocol):
    """What the benchmark reports progress to (a tqdm bar, or nothing)."""

    total: float | None

    def update(self, n: float = 1) -> object: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> object: ...


class NoProgress:
    total: float | None = None

    def update(self, n: float = 1) -> None:
        return None

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        return None


@dataclass(frozen=True)
class BenchConfig:
    """Benchmark sizes.

    Args:
        words: words of clean and of spun text for the in-process measurements.
        folder_mb: size of the generated folder for the batch runs (0 skips them).
        jobs: worker counts to compare.
        spin_rate: share of eligible words the spinner replaces.
        seed: spinner seed (the same seed gives the same benchmark text).
        limit_s: stop each batch run after this many seconds (rate from the files finished).
        startup_runs: child processes per start-up figure (the fastest is kept: others' load only adds); 0 skips them.
        lm_words: words of clean text the language model scores (0 skips it).
    """

    words: int = 1_200
    folder_mb: float = 0.015
    jobs: tuple[int, ...] = (1,)
    spin_rate: float = 0.3
    seed: int = 0
    limit_s: float | None = None
    startup_runs: int = 2
    lm_words: int = 400


@dataclass(frozen=True)
class Measurement:
    name: str
    words: int
    seconds: float
    files: int = 0
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    unit: str = "words"

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    @property
    def words_per_cpu_second(self) -> float:
        """Independent of other load on the machine (wall-clock words/s is not)."""
        return self.words / self.cpu_seconds if self.cpu_seconds else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "words_per_second": round(self.words_per_second, 1),
                "words_per_cpu_second": round(self.words_per_cpu_second, 1)}


def corpus_articles(corpus: Sequence[Path]) -> Iterator[str]:
    """Articles of the gzipped JSONL corpus files in order (missing files are passed over)."""
    for path in corpus:
        if not path.is_file():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)["text"]


def make_spinner(rate: float, models: Path | None) -> Callable[[str, int], str] | None:
    """The project's spinner as ``spin(text, seed) -> spun text``, or None if not available."""
    try:
        from repair.synth.spin import SpinConfig, Spinner
        from repair.resources.thesaurus import Thesaurus

        spinner = Spinner(Thesaurus.load(models), SpinConfig(rate=rate))
    except (ImportError, UnspinError, OSError):
        return None
    return lambda text, seed: spinner.spin(text, seed=seed).spun


def take_words(texts: Iterator[str], words: int) -> list[str]:
    taken, total = [], 0
    for text in texts:
        if total >= words:
            break
        taken.append(text)
        total += count_words(text)
    return taken


def no_text(corpus: Sequence[Path]) -> UnspinError:
    where = ", ".join(str(p) for p in corpus) or "no corpus given"
    return UnspinError(f"no benchmark text: the corpus is missing ({where}); pass FILE arguments")


def bench_texts(config: BenchConfig, files: Sequence[Path] = (), corpus: Sequence[Path] = (), models: Path | None = None) -> dict[str, list[str]]:
    """Named text sets: "clean" and "spun" from the corpus, or "given" from files."""
    if files:
        return {"given": [Path(f).read_text(encoding="utf-8") for f in files]}
    clean = take_words(corpus_articles(corpus), config.words)
    if not clean:
        raise no_text(corpus)
    spinner = make_spinner(config.spin_rate, models)
    sets = {"clean": clean}
    if spinner is not None:
        sets["spun"] = [spinner(text, config.seed + i) for i, text in enumerate(clean)]
    return sets


def time_texts(name: str, fn: Callable[[str], object], texts: Sequence[str], progress: Progress = NoProgress()) -> Measurement:
    progress.set_postfix_str(name)
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        fn(text)
        progress.update()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return Measurement(name, sum(count_words(t) for t in texts), seconds, len(texts), peak_self_mb(), cpu_seconds)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_self_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(repairer: Repairer, sets: dict[str, list[str]], progress: Progress = NoProgress()) -> list[Measurement]:
    results = []
    for label, texts in sets.items():
        results.append(time_texts(f"detect {label}", repairer.detect, texts, progress))
        results.append(time_texts(f"fix {label}", repairer.repair, texts, progress))
    return results


def load_warm(factory: Callable[[], Repairer], sets: dict[str, list[str]]) -> tuple[Repairer, Measurement]:
    """Load the pipeline and repair one paragraph of the last set, so lazily loaded models (and the
    map decider's language model) count here, not in the first timed text."""
    started, cpu = time.perf_counter(), time.process_time()
    repairer = factory()
    warm = next((p.text for text in list(sets.values())[-1] for p in paragraphs(text)), "")
    if warm:
        repairer.repair(warm)
    if repairer.decider is not None and repairer.decider.lm is not None:
        repairer.decider.lm.get()  # a paragraph is too short for the map decider, which loads the LM lazily
    seconds = time.perf_counter() - started
    return repairer, Measurement("load pipeline (+1 paragraph)", 0, seconds, 0, peak_self_mb(), time.process_time() - cpu)


def time_command(name: str, command: Sequence[str], runs: int, stdin: str = "", words: int = 0) -> Measurement:
    """The fastest of ``runs`` runs of ``command`` in a child process (Python start-up included)."""
    best, cpu_best = float("inf"), 0.0
    for _ in range(max(runs, 1)):
        started, cpu = time.perf_counter(), children_cpu()
        done = subprocess.run(list(command), input=stdin, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise UnspinError(f"start-up run failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
        if seconds < best:
            best, cpu_best = seconds, children_cpu() - cpu
    return Measurement(name, words, best, 0, 0.0, cpu_best)


def startup(runs: int, models: str | None, kinds: Sequence[str], progress: Progress = NoProgress()) -> list[Measurement]:
    """``unspin --help`` and ``unspin detect -`` of one clean line, each in a fresh process (none for 0 runs)."""
    if runs <= 0:
        return []
    unspin = [sys.executable, "-m", "repair"]
    progress.set_postfix_str("start-up")
    detect = [*unspin, "detect", "-", *(["--models", models] if models else []), *kinds]
    results = [time_command("start-up: unspin --help", [*unspin, "--help"], runs)]
    progress.update()
    results.append(time_command("start-up: detect one line", detect, runs, ONE_LINE + "\n", count_words(ONE_LINE)))
    progress.update()
    return results


def lm_rate(texts: Sequence[str], words: int, progress: Progress = NoProgress()) -> Measurement | None:
    """Model pieces the language model scores per second (``text_logprobs``), or None without its package."""
    try:
        from repair.lm import LanguageModel

        progress.set_postfix_str("language model")
        model = LanguageModel.load()
    except (ImportError, UnspinError, OSError):
        return None
    sentences = [p.text for text in texts for p in paragraphs(text)]
    chosen = take_words(iter(sentences), words)
    model.text_logprobs(chosen[:1])  # warm-up: first-call allocations are not throughput
    started, cpu = time.perf_counter(), time.process_time()
    model.text_logprobs(chosen)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    progress.update()
    pieces = sum(model.count_pieces(t) for t in chosen)
    return Measurement("lm score clean", pieces, seconds, len(chosen), peak_self_mb(), cpu_seconds, unit="pieces")


def write_folder(root: Path, megabytes: float, config: BenchConfig, corpus: Sequence[Path], models: Path | None = None) -> tuple[int, int]:
    """One article per file, every other one spun; returns (files, words)."""
    root.mkdir(parents=True, exist_ok=True)
    spinner = make_spinner(config.spin_rate, models)
    budget, files, words = int(megabytes * 1e6), 0, 0
    for index, text in enumerate(corpus_articles(corpus)):
        if budget <= 0:
            break
        spun = spinner is not None and index % 2 == 1
        body = spinner(text, config.seed + index) if spun else text
        path = root / f"{index // 1000:03d}" / f"{'spun' if spun else 'clean'}-{index:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(body + "\n", encoding="utf-8")
        budget -= len(body.encode("utf-8")) + 1
        files, words = files + 1, words + count_words(body)
    if not files:
        raise no_text(corpus)
    return files, words


def tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc; 0 elsewhere)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry)] = int(fields.get("PPid", "0").strip())
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
    family, grew = {root_pid}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in family} - family
        family |= children
        grew = bool(children)
    return sum(rss.get(pid, 0) for pid in family)


def run_fix_command(inputs: Sequence[str], jobs: int, models: str | None = None, limit_s: float | None = None,
                    kinds: Sequence[str] = ()) -> Measurement:
    """Time ``unspin fix INPUTS -o TMP -j N`` in a child process, sampling its tree's memory.

    With ``limit_s`` the run is stopped with SIGINT (as Ctrl-C would) when the time is up, and
    the rate is taken from the files it finished (the manifest), marked "stopped".
    """
    out = Path(tempfile.mkdtemp(prefix="unspin-bench-out-"))
    command = [sys.executable, "-m", "repair", "fix", *inputs, "-o", str(out), "-j", str(jobs), "-q"]
    if models:
        command += ["--models", models]
    command += list(kinds)
    try:
        started, cpu = time.perf_counter(), children_cpu()
        # SIGINT back to default in the child: a background parent may have it ignored, and
        # then Python in the child would never turn Ctrl-C into KeyboardInterrupt.
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        peak, stopped = 0, False
        while process.poll() is None:
            peak = max(peak, tree_rss_kb(process.pid))
            if limit_s is not None and not stopped and time.perf_counter() - started > limit_s:
                process.send_signal(signal.SIGINT)
                stopped = True
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        stderr = process.stderr.read() if process.stderr else ""
        if process.returncode not in (0, 1) and not (stopped and process.returncode == 130):
            raise UnspinError(f"benchmark run failed (exit {process.returncode}): {stderr.strip()[-500:]}")
        words, files = manifest_totals(out / "unspin-manifest.jsonl")
        name = f"fix folder -j {jobs}" + (" (stopped)" if stopped else "")
        return Measurement(name, words, seconds, files, peak / 1024, children_cpu() - cpu)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def manifest_totals(path: Path) -> tuple[int, int]:
    words = files = 0
    if not path.is_file():
        return 0, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("status") == "done":
            words, files = words + entry.get("words", 0), files + 1
    return words, files


def run_bench(
    config: BenchConfig,
    factory: Callable[[], Repairer],
    files: Sequence[Path] = (),
    *,
    corpus: Sequence[Path] = (),
    folder: Path | None = None,
    models: str | None = None,
    kinds: Sequence[str] = (),
    log: Callable[[str], None] = lambda message: None,
    progress: Progress = NoProgress(),
) -> list[Measurement]:
    """All measurements: start-up, model load, in-process detect/fix, the batch runs per ``-j``, the LM.

    Args:
        config: benchmark sizes.
        factory: builds the pipeline measured in process.
        files: benchmark these files instead of corpus text.
        corpus: gzipped JSONL corpus files the benchmark text comes from, in order.
        folder: keep the generated batch folder here (reused if it already has files).
        models: models folder, passed on to the child ``unspin fix`` and the spinner.
        kinds: extra ``unspin fix`` options naming the detector and restorer kinds.
        log: progress messages.
        progress: a progress bar (its total is set here: one step per text and per run).
    """
    log("preparing benchmark text")
    models_path = Path(models) if models else None
    sets = bench_texts(config, files, corpus, models_path)
    batch = bool(config.jobs) and (config.folder_mb > 0 or bool(files))
    progress.total = (2 if config.startup_runs > 0 else 0) + 1 + 2 * sum(len(t) for t in sets.values()) + (len(config.jobs) if batch else 0) + (1 if config.lm_words else 0)
    results = startup(config.startup_runs, models, kinds, progress)
    progress.set_postfix_str("load pipeline")
    repairer, loaded = load_warm(factory, sets)
    results.append(loaded)
    progress.update()
    results += in_process(repairer, sets, progress)
    del repairer
    if batch:
        results += batch_runs(config, files, corpus, folder, models, kinds, log, progress)
    if config.lm_words:
        measured = lm_rate(next(iter(sets.values())), config.lm_words, progress)
        results += [measured] if measured else []
    if "spun" in sets:
        results += archive_rates(sets["clean"], sets["spun"])
    return results


def archive_rates(clean: Sequence[str], spun: Sequence[str]) -> list[Measurement]:
    """Index the clean texts into a temporary archive, then trace and restore their spun copies.

    Paragraphs per second of ``unspin index`` and ``unspin fix --index`` (the archive part), on
    the benchmark's own texts: a small archive, so the trace rate is an upper bound for a large one
    (``eval/reports/archive.md`` has the 26.7k-article figures).
    """
    from repair.archive.build import build_index
    from repair.archive.restore import ArchiveRestorer
    from repair.archive.sources import SourceDocument

    documents = [SourceDocument(f"bench/{i}", tuple(p.text for p in paragraphs(t))) for i, t in enumerate(clean)]
    paragraph_count = sum(len(d.paragraphs) for d in documents)
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "bench.db"
        started, cpu = time.perf_counter(), time.process_time()
        build_index(documents, index)
        built = Measurement("archive index", paragraph_count, time.perf_counter() - started, len(documents), peak_self_mb(),
                            time.process_time() - cpu, unit="paragraphs")
        restorer = ArchiveRestorer.load(index)
        started, cpu = time.perf_counter(), time.process_time()
        for text in spun:
            restorer.edits(text)
        traced = Measurement("archive trace+restore spun", paragraph_count, time.perf_counter() - started, len(spun),
                             peak_self_mb(), time.process_time() - cpu, unit="paragraphs")
    return [built, traced]


def batch_runs(config: BenchConfig, files: Sequence[Path], corpus: Sequence[Path], folder: Path | None, models: str | None,
               kinds: Sequence[str], log: Callable[[str], None], progress: Progress) -> list[Measurement]:
    """``unspin fix FOLDER -o OUT -j N`` for each N, on the given files or a generated folder."""
    results = []
    models_path = Path(models) if models else None
    with tempfile.TemporaryDirectory(prefix="unspin-bench-") as scratch:
        inputs = [str(f) for f in files]
        if not files:
            target = folder or Path(scratch) / "news"
            if folder is not None and folder.is_dir() and any(folder.iterdir()):
                log(f"using the existing folder {folder}")
            else:
                log(f"writing a {config.folder_mb:g} MB folder of clean and spun news to {target}")
                write_folder(target, config.folder_mb, config, corpus, models_path)
            inputs = [str(target)]
        for jobs in config.jobs:
            progress.set_postfix_str(f"unspin fix -j {jobs}")
            results.append(run_fix_command(inputs, jobs, models, config.limit_s, kinds))
            progress.update()
    return results


def format_table(results: Sequence[Measurement]) -> str:
    """One row per measurement; rates are per word, except rows whose name gives another unit."""
    lines = [f"{'measurement':<34}{'words':>8}{'files':>7}{'seconds':>9}{'words/s':>9}{'cpu s':>8}{'words/cpu-s':>12}{'peak MB':>9}"]
    for m in results:
        rate = f"{m.words_per_second:,.0f}" if m.words else "-"
        cpu_rate = f"{m.words_per_cpu_second:,.0f}" if m.words and m.cpu_seconds else "-"
        name = m.name if m.unit == "words" else f"{m.name} ({m.unit})"
        peak = f"{m.peak_rss_mb:>9.0f}" if m.peak_rss_mb else f"{'-':>9}"
        lines.append(f"{name:<34}{m.words:>8,}{m.files:>7,}{m.seconds:>9.2f}{rate:>9}{m.cpu_seconds:>8.1f}{cpu_rate:>12}{peak}")
    return "\n".join(lines)
