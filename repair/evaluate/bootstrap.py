"""Bootstrap resampling over per-pair statistics: confidence intervals and paired differences.

Resampling sums rows of statistics (``repair.evaluate.metrics``), so it costs the same for any
metric; drawing the resamples once for every system makes differences *paired*.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repair.evaluate.metrics import Metric


def bootstrap_totals(stats: dict, n_samples: int, seed: int, chunk: int = 50) -> dict:
    """Statistics summed over ``n_samples`` resamples (with replacement) of the pairs.

    Args:
        stats: key -> per-pair statistics (pairs, columns); all over the same pairs.
        n_samples: number of resamples.
        seed: the same seed gives the same resamples, for every key: that is what makes a
            difference between two systems' resampled scores a *paired* bootstrap.

    Returns:
        key -> (n_samples, columns) totals. Resamples are drawn once for all keys, as
        per-pair draw counts in chunks, so memory stays at chunk * pairs for any corpus.
    """
    arrays = {key: np.asarray(rows, dtype=np.float64) for key, rows in stats.items()}
    sizes = {len(rows) for rows in arrays.values()}
    if len(sizes) > 1:
        raise ValueError(f"bootstrap needs the same pairs for every key; got sizes {sorted(sizes)}")
    n_pairs = sizes.pop() if sizes else 0
    if n_pairs == 0 or n_samples <= 0:
        return {key: np.zeros((0, rows.shape[-1])) for key, rows in arrays.items()}
    rng = np.random.default_rng(seed)
    parts: dict = {key: [] for key in arrays}
    for begin in range(0, n_samples, chunk):
        size = min(chunk, n_samples - begin)
        draws = rng.integers(0, n_pairs, size=(size, n_pairs))
        weights = np.stack([np.bincount(row, minlength=n_pairs) for row in draws]).astype(np.float64)
        for key, rows in arrays.items():
            parts[key].append(weights @ rows)
    return {key: np.concatenate(chunks) for key, chunks in parts.items()}


def bootstrap_scores(metric: Metric, stats: np.ndarray, n_samples: int, seed: int) -> np.ndarray:
    """The metric on ``n_samples`` resamples (with replacement) of the pairs."""
    totals = bootstrap_totals({"a": stats}, n_samples, seed)["a"]
    return np.array([metric.compute(row) for row in totals])


def confidence_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float] | None:
    if len(samples) == 0:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class PairedResult:
    """Paired bootstrap of system A minus system B on the same pairs."""

    delta: float
    ci: tuple[float, float] | None
    p_value: float | None

    def to_dict(self) -> dict:
        return {"delta": self.delta, "ci": list(self.ci) if self.ci else None, "p_value": self.p_value}


def paired_result(metric: Metric, totals_a: np.ndarray, totals_b: np.ndarray, samples_a: np.ndarray, samples_b: np.ndarray) -> PairedResult:
    """A - B from full totals and from resampled totals drawn with the same resamples."""
    delta = metric.compute(totals_a) - metric.compute(totals_b)
    if len(samples_a) == 0:
        return PairedResult(delta, None, None)
    deltas = np.array([metric.compute(a) - metric.compute(b) for a, b in zip(samples_a, samples_b)])
    better = deltas > 0 if metric.higher_is_better else deltas < 0
    # One-sided test of "A is better than B"; when A equals B everywhere this is 1.
    return PairedResult(delta, confidence_interval(deltas), float(1.0 - better.mean()))


def paired_bootstrap(metric: Metric, stats_a: np.ndarray, stats_b: np.ndarray, n_samples: int, seed: int) -> PairedResult:
    """Difference A - B with a CI; p is the share of resamples where A is not better than B.

    Both systems are scored on the same resamples, so pair difficulty cancels out.
    """
    if stats_a.shape != stats_b.shape:
        raise ValueError(f"paired bootstrap needs the same pairs; got shapes {stats_a.shape} and {stats_b.shape}")
    totals = bootstrap_totals({"a": stats_a, "b": stats_b}, n_samples, seed)
    return paired_result(metric, stats_a.sum(axis=0), stats_b.sum(axis=0), totals["a"], totals["b"])
