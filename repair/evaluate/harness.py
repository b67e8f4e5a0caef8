"""Evaluation harness: run systems over (source, reference) pairs and build a report dict.

The harness streams: pairs arrive in batches, each system (``repair.evaluate.systems``)
repairs the batch, and only per-pair *statistics* are kept (``repair.evaluate.collect``).
Every corpus score, category breakdown and bootstrap interval is computed from summed
statistics at the end, with one set of resamples for every system, so differences are paired.

The report is a plain dict with stable keys (``report.json``); ``repair.evaluate.report``
renders it. ``compare_runs`` pairs two earlier runs over the same pairs.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

import repair.evaluate.metrics as M
from repair.evaluate.bootstrap import bootstrap_totals, confidence_interval, paired_bootstrap, paired_result
from repair.evaluate.collect import Collector, batched
from repair.evaluate.pairs import EvalError, Pair
from repair.evaluate.signature import VERSION, Signature
from repair.evaluate.systems import DO_NOTHING, GLOSSARY_ONLY, SYSTEM, System


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


def _context_fields(context: Mapping[str, str]) -> list[tuple[str, str]]:
    """The run's context as signature fields, in its order (``repair.evaluate.signature``)."""
    return [(key, str(value)) for key, value in context.items()]


def _metric_scores(collector: Collector, stats, resampled, name: str, context) -> dict[str, dict]:
    scores = {}
    for key, metric in collector.metrics.items():
        score = metric.score_from_stats(stats[(name, metric.family)], _context_fields(context))
        samples = np.array([metric.compute(row) for row in resampled[(name, metric.family)]])
        scores[key] = replace(score, ci=confidence_interval(samples)).to_dict()
    return scores


def _differences(collector: Collector, stats, resampled) -> dict[str, dict]:
    differences = {}
    for baseline in (DO_NOTHING, GLOSSARY_ONLY):
        if SYSTEM not in collector.systems or baseline not in collector.systems:
            continue
        differences[f"{SYSTEM} - {baseline}"] = {
            key: paired_result(
                metric,
                stats[(SYSTEM, metric.family)].sum(axis=0),
                stats[(baseline, metric.family)].sum(axis=0),
                resampled[(SYSTEM, metric.family)],
                resampled[(baseline, metric.family)],
            ).to_dict()
            for key, metric in collector.metrics.items()
        }
    return differences


def _detection_report(collector: Collector, context) -> dict[str, dict]:
    report = {}
    for name, state in collector.detection.items():
        signature = Signature("detectF1", (*_context_fields(context), ("version", VERSION))).format()
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


def _categories(collector: Collector, stats) -> dict[str, dict]:
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


def _distribution(collector: Collector, stats) -> dict:
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


def _calibration(collector: Collector) -> dict[str, dict]:
    """Per system that reports edits: reliability table, ECE, and ECE per edit source."""
    report = {}
    for name, records in collector.calibration.items():
        sources = sorted({source for source, _, _ in records})
        by_source = {}
        for source in sources:
            confidences = [c for s, c, _ in records if s == source]
            right = [ok for s, _, ok in records if s == source]
            by_source[source] = {"edits": len(right), "right": sum(right) / len(right),
                                 "confidence": sum(confidences) / len(confidences),
                                 "ece": M.expected_calibration_error(M.reliability_table(confidences, right))}
        table = M.reliability_table([c for _, c, _ in records], [ok for _, _, ok in records])
        report[name] = {"binning": f"{M.CALIBRATION_BINS} equal-width bins", "edits": len(records),
                        "ece": M.expected_calibration_error(table), "bins": table, "by_source": by_source}
    return report


def _throughput(collector: Collector, name: str) -> dict[str, float | None]:
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
        context: signature fields, in order (``repair.evaluate.signature.run_context``).
        config: bootstrap, worst-k, batching settings.
        metric_names: registry keys of ``repair.evaluate.metrics.METRICS`` (all by default).
        progress: called with the number of pairs finished after each batch.

    Returns:
        EvalResult with the report dict (stable keys) and per-pair statistics.
    """
    context = dict(context or {})
    started = time.perf_counter()
    collector = Collector(list(systems), M.build_metrics(metric_names), bins=config.bins, worst_k=config.worst)
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
    resampled = bootstrap_totals(stats, config.bootstrap, config.seed)
    report = {
        "kind": "pairs",
        "version": VERSION,
        "suite": suite,
        "pairs": len(collector.ids),
        "skipped": 0,  # input lines the caller could not parse (set by the CLI)
        "changed_pairs": int(sum(collector.changed)),
        "source_words": collector.words,
        "context": context | {"bootstrap": config.bootstrap, "seed": config.seed},
        "definitions": {key: metric.definition for key, metric in collector.metrics.items()} | M.DETECTION_DEFINITIONS
        | {"ece": M.CALIBRATION_DEFINITION},
        "systems": {
            name: {"metrics": _metric_scores(collector, stats, resampled, name, context), **_throughput(collector, name)}
            for name in collector.systems
        },
        "differences": _differences(collector, stats, resampled),
        "detection": _detection_report(collector, context),
        "calibration": _calibration(collector),
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
        paired = paired_bootstrap(metric, a, b, config.bootstrap, config.seed)
        rows[key] = {
            labels[0]: metric.compute(a.sum(axis=0)),
            labels[1]: metric.compute(b.sum(axis=0)),
            **paired.to_dict(),
            "higher_is_better": metric.higher_is_better,
        }
    return {
        "kind": "compare",
        "version": VERSION,
        "runs": list(labels),
        "pairs": len(ids_a),
        "context": {"bootstrap": config.bootstrap, "seed": config.seed, "system": system},
        "run_contexts": {labels[0]: dict(contexts[0]), labels[1]: dict(contexts[1])},
        "definitions": {key: metric.definition for key, metric in metrics.items()},
        "metrics": rows,
    }
