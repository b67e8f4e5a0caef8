"""Evaluation harness: run systems over (source, reference) pairs and build a report dict.

The harness streams: pairs arrive in batches, each system repairs the batch, and only
per-pair *statistics* are kept (see ``repair.evaluate.metrics``), plus the texts of the worst few
examples. 10,000+ pairs therefore never need all outputs in memory, and every corpus score,
category breakdown and bootstrap interval is computed from summed statistics at the end.

Systems compared in one run (same pairs, same resamples):
  * ``system``: the full ``Repairer`` (or an external system's ``hypothesis`` field),
  * ``do-nothing``: the source itself, the score to beat,
  * ``glossary-only``: the same glossary without the detector-driven restorer.

The report is a plain dict with stable keys (``report.json``); ``repair.evaluate.report`` renders it.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from repair.evaluate import metrics as M
from repair import text as textutil
from repair.errors import InputError, UnspinError
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport

SYSTEM, DO_NOTHING, GLOSSARY_ONLY = "system", "do-nothing", "glossary-only"
REPO_EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
# A suite may offer several files; the first that exists wins. The dataset rows (test.jsonl)
# carry noise family and substitution kinds, so they give the per-category breakdowns.
SUITES = {
    "synthetic": (
        REPO_EVAL_DIR / "suites" / "synthetic" / "test.jsonl",
        REPO_EVAL_DIR / "suites" / "synthetic" / "pairs.jsonl",
    ),
}
SEED_SUITE = "seeds"


class EvalError(UnspinError):
    """An evaluation that cannot run as asked (unknown suite, runs that do not match)."""


@dataclass(frozen=True)
class Substitution:
    """A known substituted stretch of the source (character offsets) and its kind."""

    start: int
    end: int
    kind: str
    held_out: bool = False


@dataclass(frozen=True)
class Pair:
    """One evaluation item; ``hypothesis`` is set when scoring an external system."""

    id: str
    source: str
    reference: str
    hypothesis: str | None = None
    category: str = "all"
    subs: tuple[Substitution, ...] = ()


@dataclass(frozen=True)
class SystemOutput:
    text: str
    detection: DetectionReport | None = None


class System(Protocol):
    """Anything that turns a batch of pairs into outputs (our Repairer, a baseline, a file)."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]: ...


@dataclass(frozen=True)
class EvalConfig:
    """Settings of one evaluation run.

    Args:
        bootstrap: resamples for confidence intervals and paired differences (0 = none).
        seed: bootstrap seed; the same seed gives the same intervals.
        worst: how many worst examples keep their texts for the report.
        batch_size: pairs sent to a system at once.
        bins: bins of the detector-score histograms (the threshold curve's resolution).
    """

    bootstrap: int = 1000
    seed: int = 12345
    worst: int = 10
    batch_size: int = 16
    bins: int = 100


# ---------------------------------------------------------------- inputs


def _substitutions(raw: object) -> tuple[Substitution, ...]:
    if not isinstance(raw, list):
        return ()
    subs = []
    for item in raw:
        if isinstance(item, dict) and "spun_start" in item and "spun_end" in item:
            kind = str(item.get("kind", "unknown"))
            subs.append(Substitution(int(item["spun_start"]), int(item["spun_end"]), kind, bool(item.get("held_out"))))
    return tuple(subs)


def parse_pair(line: str, number: int) -> Pair:
    """One JSONL line -> Pair; ``category`` falls back to the row's noise family.

    Accepts evaluation pairs ``{"source", "reference", ...}`` and dataset rows
    ``{"spun", "clean", "noise", "subs"}`` (the synthetic suite's test.jsonl).

    Raises:
        InputError: naming the line when it is not an object with string source/reference.
    """
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"line {number}: not JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise InputError(f"line {number}: expected a JSON object, got {type(row).__name__}")
    if "source" not in row and "spun" in row:
        # A dataset row (unspin data build): the spun text is the source, the clean text the reference.
        row = {**row, "source": row["spun"], "reference": row.get("clean")}
    for key in ("source", "reference"):
        if not isinstance(row.get(key), str):
            raise InputError(f"line {number}: missing or non-string {key!r}")
    hypothesis = row.get("hypothesis")
    if hypothesis is not None and not isinstance(hypothesis, str):
        raise InputError(f"line {number}: 'hypothesis' must be a string")
    category = row.get("category") or row.get("noise") or "all"
    return Pair(
        id=str(row.get("id", number)),
        source=row["source"],
        reference=row["reference"],
        hypothesis=hypothesis,
        category=str(category),
        subs=_substitutions(row.get("subs")),
    )


def suite_path(name: str) -> Path:
    """The pairs file of a built-in suite."""
    if name not in SUITES:
        raise EvalError(f"unknown suite {name!r}; choose from {sorted([*SUITES, SEED_SUITE])}")
    for path in SUITES[name]:
        if path.is_file():
            return path
    raise EvalError(f"suite {name!r} has no pairs file yet at {SUITES[name][-1]}")


def directory_digest(path: Path) -> str:
    """First 8 hex digits of a hash over a folder's file names and bytes ("none" if absent)."""
    if not path.exists():
        return "none"
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path.parent)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:8]


def models_context(root: Path, *, use_model: bool, threshold: float, external: bool = False) -> dict[str, str]:
    """Signature fields naming what produced the numbers: model and glossary digests, threshold."""
    model_dirs = sorted(p for p in root.glob("*") if p.name != "glossary") if root.is_dir() else []
    if external:
        model = "external"
    elif not use_model:
        model = "none"
    else:
        digest = hashlib.sha256("".join(directory_digest(p) for p in model_dirs).encode()).hexdigest()
        model = digest[:8] if model_dirs else "none"
    return {"model": model, "glossary": directory_digest(root / "glossary"), "threshold": f"{threshold:g}"}


# ---------------------------------------------------------------- systems


class RepairerSystem:
    """Our pipeline as a system under test.

    Args:
        repairer: the pipeline.
        with_detection: pass the detector's verdicts on to the detection metrics (off for a
            baseline whose detector is a stand-in).
    """

    def __init__(self, repairer: Repairer, *, with_detection: bool = True):
        self.repairer = repairer
        self.with_detection = with_detection

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        results = self.repairer.repair_batch([pair.source for pair in batch])
        return [SystemOutput(r.text, r.detection if self.with_detection else None) for r in results]


class DoNothing:
    """The baseline that returns the source unchanged."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        return [SystemOutput(pair.source) for pair in batch]


class Hypotheses:
    """An external system's outputs, read from the pairs' ``hypothesis`` field."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        missing = [pair.id for pair in batch if pair.hypothesis is None]
        if missing:
            raise InputError(f"pair {missing[0]!r} has no 'hypothesis' while others do")
        return [SystemOutput(pair.hypothesis or "") for pair in batch]


class _NoDetector:
    """Scores everything 0; glossary edits do not depend on the detector."""

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        return [DetectionReport(score=0.0, spun=False, words=textutil.count_words(p)) for p in paragraphs]


def glossary_only(repairer: Repairer) -> Repairer:
    """The glossary-only baseline from an already loaded pipeline.

    It gives the same text as ``Repairer.load(config=RepairConfig(use_model=False))`` (the
    glossary runs on every paragraph whatever the detector says) without running the
    detector a second time, which keeps the baseline almost free.
    """
    config = replace(repairer.config, use_model=False)
    return Repairer(detector=_NoDetector(), glossary=repairer.glossary, restorers=(), config=config)


def default_systems(repairer: Repairer | None, *, external: bool) -> dict[str, System]:
    """System under test plus the two baselines, in report order."""
    systems: dict[str, System] = {}
    if external:
        systems[SYSTEM] = Hypotheses()
    elif repairer is not None:
        systems[SYSTEM] = RepairerSystem(repairer)
    systems[DO_NOTHING] = DoNothing()
    if repairer is not None and (external or repairer.config.use_model):
        systems[GLOSSARY_ONLY] = RepairerSystem(glossary_only(repairer), with_detection=False)
    return systems


# ---------------------------------------------------------------- collection


def batched(items: Iterable[Pair], size: int) -> Iterator[list[Pair]]:
    batch: list[Pair] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _overlaps(sub: Substitution, start: int, end: int) -> bool:
    """Character overlap; an insertion (start == end) overlaps a substitution containing it."""
    if start == end:
        return sub.start <= start <= sub.end
    return sub.start < end and start < sub.end


def reference_edit_kinds(source: str, reference: str, subs: Sequence[Substitution]) -> list[Substitution | None]:
    """For each reference edit, the first substitution overlapping it (None if none does)."""
    words = textutil.words(source)
    kinds = []
    for edit in M.align(M.tokens(source), M.tokens(reference)).edits:
        start = words[edit.o_start].start if edit.o_start < len(words) else len(source)
        end = words[edit.o_end - 1].end if edit.o_end > edit.o_start else start
        kinds.append(next((s for s in subs if _overlaps(s, start, end)), None))
    return kinds


def restored_flags(source: str, hypothesis: str, reference: str) -> list[bool]:
    """For each reference edit: does the hypothesis restore it (``metrics.restored``)?"""
    src = M.tokens(source)
    hyp = M.align(src, M.tokens(hypothesis))
    ref = M.align(src, M.tokens(reference))
    return [M.restored(edit, hyp, ref) for edit in ref.edits]


@dataclass
class _Collector:
    """Mutable per-run accumulator of per-pair statistics (lives only inside ``evaluate``)."""

    systems: list[str]
    metrics: dict[str, M.Metric]
    config: EvalConfig
    ids: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    changed: list[bool] = field(default_factory=list)
    rows: dict = field(default_factory=dict)
    wall: dict = field(default_factory=dict)
    detection: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    held_out: dict = field(default_factory=dict)
    worst: list = field(default_factory=list)
    words: int = 0
    counter: int = 0

    def families(self) -> dict[str, M.Metric]:
        return {metric.family: metric for metric in self.metrics.values()}

    def add(self, batch: Sequence[Pair], outputs: Mapping[str, list[SystemOutput]], seconds: Mapping[str, float]) -> None:
        sources = [p.source for p in batch]
        references = [p.reference for p in batch]
        self.ids.extend(p.id for p in batch)
        self.categories.extend(p.category for p in batch)
        self.changed.extend(p.source != p.reference for p in batch)
        self.words += sum(textutil.count_words(s) for s in sources)
        rows = {}
        for name in self.systems:
            hyps = [o.text for o in outputs[name]]
            self.wall[name] = self.wall.get(name, 0.0) + seconds[name]
            for family, metric in self.families().items():
                rows[(name, family)] = metric.extract(sources, hyps, references)
                self.rows.setdefault((name, family), []).append(rows[(name, family)])
            self._add_detection(name, batch, outputs[name])
            self._add_kinds(name, batch, hyps)
        self._add_worst(batch, outputs, rows)

    def _add_detection(self, name: str, batch: Sequence[Pair], outputs: Sequence[SystemOutput]) -> None:
        for pair, output in zip(batch, outputs):
            if output.detection is None:
                continue
            state = self.detection.setdefault(
                name,
                {"counts": np.zeros(3), "pos": np.zeros(self.config.bins), "neg": np.zeros(self.config.bins),
                 "scores": [], "labels": [], "gold_words": 0},
            )
            gold = M.changed_words(pair.source, pair.reference)
            spans = output.detection.spans
            state["counts"] += M.detection_counts(M.flagged_words(pair.source, spans), gold)
            scores = np.array(M.word_scores(pair.source, spans))
            gold_arr = np.array(gold, dtype=bool)
            # Words outside every span (score 0) are never flagged, so leave them out of the curve.
            inside = scores > 0
            state["pos"] += M.score_histogram(scores[inside & gold_arr], self.config.bins)
            state["neg"] += M.score_histogram(scores[inside & ~gold_arr], self.config.bins)
            state["gold_words"] += int(gold_arr.sum())
            state["scores"].append(output.detection.score)
            state["labels"].append(pair.source != pair.reference)

    def _add_kinds(self, name: str, batch: Sequence[Pair], hyps: Sequence[str]) -> None:
        for pair, hyp in zip(batch, hyps):
            if not pair.subs:
                continue
            subs = reference_edit_kinds(pair.source, pair.reference, pair.subs)
            for sub, ok in zip(subs, restored_flags(pair.source, hyp, pair.reference)):
                kind = sub.kind if sub else "other"
                group = "held out" if sub and sub.held_out else "seen"
                for table, key in ((self.kinds, kind), (self.held_out, group)):
                    counts = table.setdefault(key, {}).setdefault(name, [0, 0])
                    counts[0] += int(ok)
                    counts[1] += 1

    def _add_worst(self, batch: Sequence[Pair], outputs: Mapping[str, list[SystemOutput]], rows) -> None:
        """Keep the texts of the k pairs where the system gains least chrF over the source."""
        if SYSTEM not in outputs or self.config.worst <= 0:
            return
        chrf = M.CHRFMetric()
        system_rows = rows.get((SYSTEM, chrf.family))
        source_rows = rows.get((DO_NOTHING, chrf.family))
        if system_rows is None or source_rows is None:
            system_rows = chrf.extract([], [o.text for o in outputs[SYSTEM]], [p.reference for p in batch])
            source_rows = chrf.extract([], [p.source for p in batch], [p.reference for p in batch])
        for index, pair in enumerate(batch):
            hyp = outputs[SYSTEM][index].text
            if hyp == pair.reference:
                continue
            gain = chrf.compute(system_rows[index]) - chrf.compute(source_rows[index])
            record = {"id": pair.id, "category": pair.category, "source": pair.source,
                      "reference": pair.reference, "hypothesis": hyp, "chrf_gain": gain}
            self.counter += 1
            # Max-heap on gain via negation: the root is the best of the kept worst, popped first.
            heapq.heappush(self.worst, (-gain, self.counter, record))
            if len(self.worst) > self.config.worst:
                heapq.heappop(self.worst)

    def stats(self) -> dict[tuple[str, str], np.ndarray]:
        return {key: np.concatenate(parts) for key, parts in self.rows.items()}


# ---------------------------------------------------------------- report


def _context_fields(context: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(key, str(context[key])) for key in ("model", "glossary", "threshold") if key in context]


def _metric_scores(collector: _Collector, stats, resampled, name: str, context) -> dict[str, dict]:
    scores = {}
    for key, metric in collector.metrics.items():
        score = metric.score_from_stats(stats[(name, metric.family)], _context_fields(context))
        samples = np.array([metric.compute(row) for row in resampled[(name, metric.family)]])
        scores[key] = replace(score, ci=M.confidence_interval(samples)).to_dict()
    return scores


def _differences(collector: _Collector, stats, resampled) -> dict[str, dict]:
    differences = {}
    for baseline in (DO_NOTHING, GLOSSARY_ONLY):
        if SYSTEM not in collector.systems or baseline not in collector.systems:
            continue
        differences[f"{SYSTEM} - {baseline}"] = {
            key: M.paired_result(
                metric,
                stats[(SYSTEM, metric.family)].sum(axis=0),
                stats[(baseline, metric.family)].sum(axis=0),
                resampled[(SYSTEM, metric.family)],
                resampled[(baseline, metric.family)],
            ).to_dict()
            for key, metric in collector.metrics.items()
        }
    return differences


def _detection_report(collector: _Collector, context) -> dict[str, dict]:
    report = {}
    for name, state in collector.detection.items():
        signature = M.Signature("detectF1", (*_context_fields(context), ("version", M.METRICS_VERSION))).format()
        score_bins = 20
        labels = np.array(state["labels"], dtype=bool)
        scores = np.array(state["scores"])
        report[name] = {
            "word": {**M.prf(*state["counts"]), "signature": signature},
            "passage_roc_auc": M.roc_auc(scores, labels),
            "passages_flagged": int((scores >= float(context.get("threshold", 0.5))).sum()),
            "curve": M.threshold_curve(state["pos"], state["neg"], state["gold_words"]),
            "gold_words": state["gold_words"],
            "passage_scores": {
                "edges": [i / score_bins for i in range(score_bins + 1)],
                "changed": M.score_histogram(scores[labels], score_bins).tolist(),
                "unchanged": M.score_histogram(scores[~labels], score_bins).tolist(),
            },
        }
    return report


def _categories(collector: _Collector, stats) -> dict[str, dict]:
    chrf = collector.metrics.get("chrf") or M.CHRFMetric()
    f05 = collector.metrics.get("edit_f05") or M.EditF05()
    categories = np.array(collector.categories)
    result = {}
    for category in sorted(set(collector.categories)):
        mask = categories == category
        entry = {"pairs": int(mask.sum()), "chrf": {}, "edit_f05": {}}
        for name in collector.systems:
            entry["chrf"][name] = chrf.compute(stats[(name, chrf.family)][mask].sum(axis=0))
            entry["edit_f05"][name] = f05.compute(stats[(name, f05.family)][mask].sum(axis=0))
        if SYSTEM in collector.systems:
            entry["chrf_gain"] = entry["chrf"][SYSTEM] - entry["chrf"][DO_NOTHING]
        result[category] = entry
    return result


def _distribution(collector: _Collector, stats) -> dict:
    """Histograms of sentence chrF per system and of each system's per-pair gain over the source."""
    chrf = collector.metrics.get("chrf") or M.CHRFMetric()
    edges = [5.0 * i for i in range(21)]
    gain_edges = [-50.0 + 5.0 * i for i in range(21)]
    values = {name: np.array([chrf.compute(row) for row in stats[(name, chrf.family)]]) for name in collector.systems}
    counts, gains = {}, {}
    for name, scores in values.items():
        counts[name] = np.histogram(np.clip(scores, 0, 100), bins=edges)[0].astype(float).tolist()
        if name != DO_NOTHING:
            delta = scores - values[DO_NOTHING]
            moved = delta[np.abs(delta) > 1e-9]  # unchanged pairs would swamp the picture
            gains[name] = np.histogram(np.clip(moved, -49.9, 49.9), bins=gain_edges)[0].astype(float).tolist()
    return {"metric": "sentence chrF", "edges": edges, "counts": counts, "gain_edges": gain_edges, "gains": gains}


def _restoration_table(counts: Mapping[str, Mapping[str, list[int]]]) -> dict[str, dict]:
    """group -> {"spans": n, "restoration": {system: % restored}}, largest groups first."""
    table = {
        group: {"spans": max(c[1] for c in per.values()), "restoration": {n: 100 * c[0] / c[1] for n, c in per.items()}}
        for group, per in counts.items()
    }
    return dict(sorted(table.items(), key=lambda item: (-item[1]["spans"], item[0])))


def _throughput(collector: _Collector, name: str) -> dict[str, float | None]:
    wall = collector.wall.get(name, 0.0)
    return {"wall_s": wall, "words_per_s": collector.words / wall if wall > 0 else None}


@dataclass(frozen=True)
class EvalResult:
    """The report dict plus the per-pair statistics behind it (for ``--compare``)."""

    report: dict
    stats: dict[tuple[str, str], np.ndarray]
    ids: list[str]


def evaluate(
    pairs: Iterable[Pair],
    systems: Mapping[str, System],
    *,
    suite: str = "pairs",
    context: Mapping[str, str] | None = None,
    config: EvalConfig = EvalConfig(),
    metric_names: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvalResult:
    """Run every system on every pair and score them.

    Args:
        pairs: evaluation items, read lazily.
        systems: name -> system; must include ``do-nothing``; ``system`` is the one under test.
        suite: a name for the report.
        context: signature fields (model, glossary digests, threshold).
        config: bootstrap, worst-k, batching settings.
        metric_names: registry keys of ``repair.evaluate.metrics.METRICS`` (all by default).
        progress: called with the number of pairs finished after each batch.

    Returns:
        EvalResult with the report dict (stable keys) and per-pair statistics.
    """
    context = dict(context or {})
    started = time.perf_counter()
    collector = _Collector(list(systems), M.build_metrics(metric_names), config)
    for batch in batched(pairs, config.batch_size):
        outputs, seconds = {}, {}
        for name, system in systems.items():
            tick = time.perf_counter()
            outputs[name] = system.run(batch)
            seconds[name] = time.perf_counter() - tick
        collector.add(batch, outputs, seconds)
        if progress:
            progress(len(batch))
    if not collector.ids:
        raise EvalError(f"suite {suite!r} has no pairs to evaluate")
    stats = collector.stats()
    # One set of resamples for every system and metric: intervals and differences are paired.
    resampled = M.bootstrap_totals(stats, config.bootstrap, config.seed)
    report = {
        "kind": "pairs",
        "version": M.METRICS_VERSION,
        "suite": suite,
        "pairs": len(collector.ids),
        "skipped": 0,  # input lines the caller could not parse (set by the CLI)
        "changed_pairs": int(sum(collector.changed)),
        "source_words": collector.words,
        "context": context | {"bootstrap": config.bootstrap, "seed": config.seed},
        "definitions": {key: metric.definition for key, metric in collector.metrics.items()} | M.DETECTION_DEFINITIONS,
        "systems": {
            name: {"metrics": _metric_scores(collector, stats, resampled, name, context), **_throughput(collector, name)}
            for name in collector.systems
        },
        "differences": _differences(collector, stats, resampled),
        "detection": _detection_report(collector, context),
        "categories": _categories(collector, stats),
        "kinds": _restoration_table(collector.kinds),
        "held_out": _restoration_table(collector.held_out),
        "distribution": _distribution(collector, stats),
        "worst": [record for _, _, record in sorted(collector.worst, key=lambda item: (-item[0], item[1]))],
        "wall_s": time.perf_counter() - started,
    }
    return EvalResult(report=report, stats=stats, ids=collector.ids)


# ---------------------------------------------------------------- stats files and compare


def stats_arrays(result: EvalResult) -> dict[str, np.ndarray]:
    """Flat name -> array mapping for ``numpy.savez`` (``system/family`` keys plus ids)."""
    arrays = {f"{name}/{family}": rows for (name, family), rows in result.stats.items()}
    arrays["ids"] = np.array(result.ids)
    return arrays


def compare_runs(
    run_a: Mapping[str, np.ndarray],
    run_b: Mapping[str, np.ndarray],
    *,
    labels: tuple[str, str] = ("A", "B"),
    contexts: tuple[Mapping, Mapping] = ({}, {}),
    system: str = SYSTEM,
    config: EvalConfig = EvalConfig(),
) -> dict:
    """Paired bootstrap of one system across two runs over the same pairs.

    Raises:
        EvalError: when the runs did not score the same pairs in the same order.
    """
    ids_a, ids_b = list(run_a["ids"]), list(run_b["ids"])
    if ids_a != ids_b:
        raise EvalError(f"runs scored different pairs ({len(ids_a)} vs {len(ids_b)} ids, or a different order)")
    metrics = M.build_metrics()
    rows = {}
    for key, metric in metrics.items():
        name = f"{system}/{metric.family}"
        if name not in run_a or name not in run_b:
            raise EvalError(f"both runs need statistics {name!r} (re-run unspin eval)")
        a, b = run_a[name], run_b[name]
        paired = M.paired_bootstrap(metric, a, b, config.bootstrap, config.seed)
        rows[key] = {
            labels[0]: metric.compute(a.sum(axis=0)),
            labels[1]: metric.compute(b.sum(axis=0)),
            **paired.to_dict(),
            "higher_is_better": metric.higher_is_better,
        }
    return {
        "kind": "compare",
        "version": M.METRICS_VERSION,
        "runs": list(labels),
        "pairs": len(ids_a),
        "context": {"bootstrap": config.bootstrap, "seed": config.seed, "system": system},
        "run_contexts": {labels[0]: dict(contexts[0]), labels[1]: dict(contexts[1])},
        "definitions": {key: metric.definition for key, metric in metrics.items()},
        "metrics": rows,
    }


# ---------------------------------------------------------------- seeds


def parse_substitutions(text: str) -> list[tuple[str, str, int]]:
    """Rows of a ``original<TAB>spun<TAB>count`` file (``#`` lines are comments)."""
    rows = []
    for line in text.splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 2:
            continue
        count = int(parts[2]) if len(parts) > 2 and parts[2].strip().isdigit() else 1
        rows.append((parts[0].strip(), parts[1].strip(), count))
    return rows


def _repaired_region(text: str, start: int, end: int, edits) -> str:
    """The repaired text over [start, end), widened to every edit that overlaps it."""
    inside = sorted((e for e in edits if e.start < end and start < e.end), key=lambda e: e.start)
    if not inside:
        return text[start:end]
    begin, finish = min(start, inside[0].start), max(end, max(e.end for e in inside))
    parts, cursor = [], begin
    for edit in inside:
        parts += [text[cursor : edit.start], edit.new]
        cursor = edit.end
    return "".join(parts) + text[cursor:finish]


def substitution_coverage(text: str, result, substitutions: Sequence[tuple[str, str, int]]) -> dict:
    """How many hand-listed spun phrases the detector flags and the repair turns back.

    Every occurrence of a listed spun phrase counts (the list's own counts are an estimate);
    it is restored when the repaired text over it (edits may split a phrase) reads as the
    original. Measurement only: nothing in the pipeline reads these lists.
    """
    found = flagged = restored = 0
    spans = result.detection.spans if result.detection else ()
    for original, spun, _ in substitutions:
        wanted = re.compile(rf"(?<!\w){re.escape(original)}(?!\w)", flags=re.IGNORECASE)
        for match in re.finditer(rf"(?<!\w){re.escape(spun)}(?!\w)", text, flags=re.IGNORECASE):
            found += 1
            flagged += any(s.start < match.end() and match.start() < s.end for s in spans)
            restored += bool(wanted.search(_repaired_region(text, match.start(), match.end(), result.edits)))
    return {
        "listed": len(substitutions),
        "listed_count": sum(count for _, _, count in substitutions),
        "occurrences": found,
        "flagged": flagged,
        "restored": restored,
        "flagged_rate": 100 * M.safe_ratio(flagged, found, 0.0),
        "restored_rate": 100 * M.safe_ratio(restored, found, 0.0),
    }


SEED_CHECKS = {
    "unchanged": "output byte-identical to the input",
    "not_flagged": "passage score below the threshold",
    "changed": "at least one edit",
    "flagged": "passage score at or above the threshold",
    "above_clean": "passage score above every clean seed's",
}


def _seed_checks(expect: Sequence[str], entry: dict, clean_max: float) -> dict[str, bool]:
    values = {
        "unchanged": entry["unchanged"],
        "not_flagged": not entry["spun"],
        "changed": entry["edits"] > 0,
        "flagged": entry["spun"],
        "above_clean": entry["score"] > clean_max,
    }
    unknown = [name for name in expect if name not in values]
    if unknown:
        raise EvalError(f"unknown seed check {unknown[0]!r}; choose from {sorted(values)}")
    return {name: values[name] for name in expect}


def evaluate_seeds(
    repairer: Repairer,
    seeds: Mapping[str, str],
    expectations: Mapping[str, dict],
    *,
    substitutions: Mapping[str, Sequence[tuple[str, str, int]]] | None = None,
    context: Mapping[str, str] | None = None,
) -> dict:
    """Detection scores, edits and unchanged-ness of the seed documents (no references exist).

    Args:
        repairer: the system under test.
        seeds: seed id ("003") -> text, read by the caller.
        expectations: seed id -> {"role": ..., "expect": [check names from SEED_CHECKS]}.
        substitutions: seed id -> hand-listed (original, spun, count) rows, for counting only.
        context: signature fields.
    """
    baseline = glossary_only(repairer) if repairer.config.use_model else None
    entries = []
    total_words, total_wall = 0, 0.0
    for seed_id, text in seeds.items():
        tick = time.perf_counter()
        result = repairer.repair(text)
        wall = time.perf_counter() - tick
        words = textutil.count_words(text)
        total_words, total_wall = total_words + words, total_wall + wall
        entry = {
            "id": seed_id,
            "role": expectations.get(seed_id, {}).get("role", "unknown"),
            "words": words,
            "score": result.detection.score if result.detection else 0.0,
            "spun": bool(result.detection and result.detection.spun),
            "spans": len(result.detection.spans) if result.detection else 0,
            "edits": len(result.edits),
            "unchanged": result.text == text,
            "glossary_only_edits": len(baseline.repair(text).edits) if baseline else len(result.edits),
            "edit_list": [
                {"old": e.old, "new": e.new, "source": e.source, "confidence": round(e.confidence, 3)} for e in result.edits
            ],
            "wall_s": wall,
        }
        if substitutions and seed_id in substitutions:
            entry["substitutions"] = substitution_coverage(text, result, substitutions[seed_id])
        entries.append(entry)
    clean = [e["score"] for e in entries if e["role"] == "clean"]
    clean_max = max(clean, default=0.0)
    for entry in entries:
        entry["checks"] = _seed_checks(expectations.get(entry["id"], {}).get("expect", []), entry, clean_max)
    labels = [e["role"] != "clean" for e in entries]
    return {
        "kind": "seeds",
        "version": M.METRICS_VERSION,
        "suite": SEED_SUITE,
        "context": dict(context or {}),
        "definitions": SEED_CHECKS | {"passage_roc_auc": M.DETECTION_DEFINITIONS["passage_roc_auc"] + " (spun/garbled seeds vs clean seeds)"},
        "seeds": entries,
        "passed": all(all(e["checks"].values()) for e in entries),
        "passage_roc_auc": M.roc_auc([e["score"] for e in entries], labels),
        "source_words": total_words,
        "wall_s": total_wall,
        "words_per_s": total_words / total_wall if total_wall > 0 else None,
    }
