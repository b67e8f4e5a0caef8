"""The document gate: spun documents pass to the detector, short ones always pass."""
from __future__ import annotations

import json

import numpy as np
import pytest

from repair.document.gate import DocumentGate, GateSettings, choose_threshold, log_ratios
from repair.paths import REPO_ROOT, models_dir
from repair.resources.ngram import NgramModel

SUITE = REPO_ROOT / "eval" / "suites" / "synthetic" / "test.jsonl"


@pytest.fixture(scope="module")
def gate() -> DocumentGate:
    return DocumentGate.load(models_dir(), NgramModel.load(models_dir()))


@pytest.fixture(scope="module")
def suite_documents() -> tuple[str, str]:
    """The committed suite's spun rows (rate >= 0.3) as one document, and their clean originals."""
    rows = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines()]
    spun = [r for r in rows if r["rate"] >= 0.3 and r["noise"] == "spin"]
    return "\n".join(r["spun"] for r in spun), "\n".join(r["clean"] for r in spun)


def test_shipped_gate_loads_with_its_fitted_threshold(gate):
    assert gate.settings.threshold > float("-inf")
    assert gate.settings.min_words >= 100


def test_spun_document_scores_above_its_clean_original_and_passes(gate, suite_documents):
    spun, clean = suite_documents
    spun_score, words = gate.score(spun)
    clean_score, _ = gate.score(clean)
    assert words > gate.settings.min_words
    assert spun_score > clean_score
    verdict = gate.judge(spun)
    assert verdict.passed and verdict.reason == "spinner profile"


def test_short_documents_always_pass_to_the_paragraph_detector(gate):
    verdict = gate.judge("The minister said talks would continue next week.")
    assert verdict.passed and verdict.words < gate.settings.min_words and verdict.reason.startswith("short")


def test_empty_text_scores_zero(gate):
    assert gate.score("") == (0.0, 0)
    assert gate.score(" ... !") == (0.0, 0)


def test_log_ratio_rewards_emitted_words_and_penalises_spinnable_ones():
    prob = np.array([1e-6, 1e-3, 1e-6, 1e-3])
    spinnable = np.array([0.0, 1.0, 0.0, 0.0])
    emitted = np.array([0.0, 0.0, 1e-3, 0.0])
    values = log_ratios(prob, spinnable, emitted, GateSettings(rate=0.1, clip=3.0))
    assert values[0] == 0.0  # id 0 is the unknown word: no evidence
    assert values[1] == pytest.approx(np.log(0.9))
    assert values[2] == 3.0  # clipped
    assert values[3] == 0.0


def test_threshold_keeps_the_asked_share_of_spun_documents():
    scores = list(np.linspace(0.0, 1.0, 101))
    threshold = choose_threshold(scores, recall=0.99)
    assert sum(s >= threshold for s in scores) / len(scores) >= 0.99
    with pytest.raises(ValueError):
        choose_threshold([], 0.99)
