"""Fitting the document map decider (``repair.document.decide``): a small weighted logistic model.

Each training row is one map entry ``old -> new`` proposed in one spun validation document. Its
label is the share of the occurrences the entry would add (those no kept edit covers) that are
right, judged alone against the clean article, and its weight is how many it would add; so the
model's output reads as "the probability that an added occurrence is right".
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from repair.detect.lexicon import fit_logistic as lexicon_fit_logistic


def fit_logistic(values: np.ndarray, labels: np.ndarray, weights: np.ndarray, l2: float = 1.0
                 ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Weighted logistic regression with fractional labels on standardised inputs.

    Standardising first lets one L2 strength fit every feature; the Newton solver is the
    detector's (``repair.detect.lexicon.fit_logistic``), whose penalty scales with the total
    weight, hence ``l2 / weights.sum()``. The bias is not penalised.

    Returns:
        (weights on standardised inputs, bias, mean, scale).
    """
    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    scale[scale == 0] = 1.0
    x = np.hstack([(values - mean) / scale, np.ones((len(values), 1))])
    beta = lexicon_fit_logistic(x, labels, l2=l2 / weights.sum(), sample_weight=weights)
    return beta[:-1], float(beta[-1]), mean, scale


def predict(values: np.ndarray, fitted: tuple[np.ndarray, float, np.ndarray, np.ndarray]) -> np.ndarray:
    weights, bias, mean, scale = fitted
    return 1.0 / (1.0 + np.exp(-(((values - mean) / scale) @ weights + bias)))


def group_folds(groups: Sequence[int], folds: int) -> np.ndarray:
    """Fold of each row, whole groups (articles) together, so no article is judged by a model fitted on it."""
    names = sorted(set(groups))
    fold_of = {name: i % folds for i, name in enumerate(names)}
    return np.array([fold_of[g] for g in groups])


def lowest_threshold(curve: Sequence[dict], target: float, min_added: int) -> float | None:
    """The lowest threshold whose added occurrences are right at least ``target`` of the time
    (and at every higher threshold with at least ``min_added`` of them); None if none is."""
    chosen = None
    for point in sorted(curve, key=lambda p: -p["threshold"]):
        if point["added"] < min_added:
            continue
        if point["right"] < target:
            break
        chosen = point["threshold"]
    return chosen
