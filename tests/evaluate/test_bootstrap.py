"""Bootstrap resampling (repair/evaluate/bootstrap.py): seeded intervals and paired differences."""
from __future__ import annotations

import numpy as np
import pytest

from repair.evaluate import metrics as M
from repair.evaluate.bootstrap import bootstrap_scores, confidence_interval, paired_bootstrap


def edit_rows() -> np.ndarray:
    sources = ["a b", "c d", "e f", "g h"] * 5
    hypotheses = ["a x", "c d", "e z", "g h"] * 5
    references = ["a x", "c y", "e f", "g h"] * 5
    return M.EditF05().extract(sources, hypotheses, references)


def test_bootstrap_is_seeded_and_brackets_the_score():
    metric, rows = M.EditF05(), edit_rows()
    first = bootstrap_scores(metric, rows, 200, seed=7)
    assert np.array_equal(first, bootstrap_scores(metric, rows, 200, seed=7))
    low, high = confidence_interval(first)
    assert low <= metric.compute(rows.sum(axis=0)) <= high
    assert low < high


def test_paired_bootstrap_of_a_system_with_itself():
    result = paired_bootstrap(M.EditF05(), edit_rows(), edit_rows(), 100, seed=1)
    assert result.delta == 0
    assert result.ci == (0.0, 0.0)
    assert result.p_value == 1.0


def test_paired_bootstrap_prefers_the_better_system():
    sources, references = ["a b c"] * 10, ["a x c"] * 10
    better = M.EditF05().extract(sources, ["a x c"] * 10, references)
    worse = M.EditF05().extract(sources, ["a b c"] * 10, references)
    result = paired_bootstrap(M.EditF05(), better, worse, 100, seed=1)
    assert result.delta == pytest.approx(100)
    assert result.p_value == 0.0


def test_paired_bootstrap_needs_the_same_pairs():
    with pytest.raises(ValueError, match="same pairs"):
        paired_bootstrap(M.EditF05(), edit_rows(), edit_rows()[:3], 10, seed=1)
