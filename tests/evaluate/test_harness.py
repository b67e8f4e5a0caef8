"""The evaluation harness (repair/evaluate/harness.py): pairs in, report dict out.

The system under test here is a small fake (a fixed word map) because these tests check the
harness, not the models; the metrics themselves are tested in test_metrics.py.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pytest

from repair.evaluate.harness import EvalConfig, EvalResult, compare_runs, evaluate, stats_arrays
from repair.evaluate.pairs import EvalError, Pair
from repair.evaluate.systems import DO_NOTHING, SYSTEM, DoNothing, SystemOutput, default_systems
from repair.results import DetectionReport, Span
from tests.evaluate.test_pairs import substitution

FIXES = {"mentioned": "said", "navy": "military"}
REPORT_KEYS = {
    "kind", "version", "suite", "pairs", "skipped", "changed_pairs", "source_words", "context", "definitions", "systems",
    "differences", "detection", "calibration", "categories", "kinds", "held_out", "distribution", "worst", "wall_s",
}
CONTEXT = {"detector": "cascade", "restorer": "seq2seq", "models": "abc12345", "threshold": "0.5"}


class WordMapSystem:
    """Replaces known spun words; its detector flags exactly those words."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        outputs = []
        for pair in batch:
            spans = tuple(
                Span(m.start(), m.end(), m.group(), 0.9) for m in re.finditer(r"\w+", pair.source) if m.group() in FIXES
            )
            text = re.sub(r"\w+", lambda m: FIXES.get(m.group(), m.group()), pair.source)
            score = 0.9 if spans else 0.1
            outputs.append(SystemOutput(text, DetectionReport(score=score, spun=score >= 0.5, spans=spans)))
        return outputs


def spun_pair(id: str, source: str, reference: str, swaps: Sequence[tuple[str, str, str]]) -> Pair:
    subs = tuple(substitution(source, reference, spun, clean, kind) for spun, clean, kind in swaps)
    return Pair(id, source, reference, category="spin", subs=subs)


BASE = [
    spun_pair("spun-1", "The navy alliance mentioned it.", "The military alliance said it.",
              [("navy", "military", "wordnet"), ("mentioned", "said", "wordnet")]),
    spun_pair("spun-2", "He mentioned the final plan.", "He said the last plan.",
              [("mentioned", "said", "wordnet"), ("final", "last", "phrase")]),
    Pair("clean-1", "Nothing changed here.", "Nothing changed here.", category="none"),
]


def make_pairs(copies: int = 1) -> list[Pair]:
    return [Pair(f"{p.id}#{i}", p.source, p.reference, p.hypothesis, p.category, p.subs) for i in range(copies) for p in BASE]


def run_fake(pairs, **config) -> EvalResult:
    systems = {SYSTEM: WordMapSystem(), DO_NOTHING: DoNothing()}
    return evaluate(pairs, systems, suite="tiny", context=CONTEXT, config=EvalConfig(bootstrap=50, **config))


@pytest.fixture(scope="module")
def report() -> dict:
    return run_fake(make_pairs()).report


def test_report_has_stable_keys_and_hand_checked_numbers(report):
    assert set(report) == REPORT_KEYS
    assert list(report["systems"]) == ["system", "do-nothing"]
    system = report["systems"]["system"]["metrics"]
    nothing = report["systems"]["do-nothing"]["metrics"]
    # 4 reference edits; the fake fixes 3 of them ("final"->"last" it does not know), with no wrong edits.
    assert system["edit_p"]["score"] == pytest.approx(100)
    assert system["edit_r"]["score"] == pytest.approx(75)
    assert system["restoration"]["score"] == pytest.approx(75)
    assert system["damage"]["score"] == 0
    assert nothing["edit_r"]["score"] == 0
    assert nothing["chrf"]["score"] < system["chrf"]["score"]
    assert report["differences"]["system - do-nothing"]["restoration"]["delta"] == pytest.approx(75)


def test_signatures_carry_the_context_in_order(report):
    version = report["version"]
    signature = report["systems"]["system"]["metrics"]["edit_f05"]["signature"]
    assert signature == f"editF0.5|detector:cascade|restorer:seq2seq|models:abc12345|threshold:0.5|version:{version}"
    assert report["detection"]["system"]["word"]["signature"].startswith("detectF1|detector:cascade|restorer:seq2seq|")
    assert report["context"] == CONTEXT | {"bootstrap": 50, "seed": 12345}


def test_detection_and_categories(report):
    detection = report["detection"]["system"]
    # Changed words: navy, mentioned, mentioned, final; flagged: the first three.
    assert detection["word"]["precision"] == pytest.approx(100)
    assert detection["word"]["recall"] == pytest.approx(75)
    assert detection["passage_roc_auc"] == 1.0
    assert detection["gold_words"] == 4
    assert set(report["categories"]) == {"none", "spin"}
    assert report["categories"]["none"]["chrf_gain"] == pytest.approx(0)
    assert report["kinds"]["wordnet"]["restoration"]["system"] == pytest.approx(100)
    assert report["kinds"]["phrase"]["restoration"]["system"] == 0
    assert report["held_out"] == {"seen": {"spans": 4, "restoration": {"system": 75.0, "do-nothing": 0.0}}}
    assert "do-nothing" not in report["detection"]


def test_streams_pairs_and_keeps_only_the_worst_texts():
    def lazy():
        yield from make_pairs(copies=40)

    result = run_fake(lazy(), worst=3, batch_size=7)
    assert result.report["pairs"] == 120
    assert len(result.report["worst"]) == 3
    assert all(record["id"].startswith("spun-2") for record in result.report["worst"])
    assert result.stats[(SYSTEM, "words")].shape == (120, 8)
    assert len(result.ids) == 120


def test_empty_input_is_an_error():
    with pytest.raises(EvalError, match="no pairs"):
        run_fake([])


def test_results_are_reproducible():
    first = run_fake(make_pairs(copies=5)).report
    second = run_fake(make_pairs(copies=5)).report
    assert first["systems"]["system"]["metrics"] == second["systems"]["system"]["metrics"]


def test_external_hypotheses_are_scored():
    pairs = [Pair("1", "a b c", "a x c", hypothesis="a x c"), Pair("2", "d e", "d e", hypothesis="d z")]
    report = evaluate(pairs, default_systems(None, external=True), config=EvalConfig(bootstrap=0)).report
    metrics = report["systems"]["system"]["metrics"]
    assert metrics["restoration"]["score"] == 100
    assert metrics["damage"]["score"] == pytest.approx(100 / 4)
    assert metrics["edit_p"]["ci"] is None


def test_compare_runs_pairs_the_same_items():
    arrays = stats_arrays(run_fake(make_pairs(copies=3)))
    report = compare_runs(arrays, arrays, labels=("a", "b"), config=EvalConfig(bootstrap=30))
    assert report["kind"] == "compare"
    assert report["metrics"]["chrf"]["delta"] == 0
    assert report["metrics"]["chrf"]["a"] == report["metrics"]["chrf"]["b"]


def test_compare_runs_rejects_different_pairs():
    a = stats_arrays(run_fake(make_pairs(copies=2)))
    b = stats_arrays(run_fake(make_pairs(copies=3)))
    with pytest.raises(EvalError, match="different pairs"):
        compare_runs(a, b)


def test_stats_arrays_round_trip(tmp_path):
    arrays = stats_arrays(run_fake(make_pairs()))
    np.savez_compressed(tmp_path / "stats.npz", **arrays)
    with np.load(tmp_path / "stats.npz") as data:
        assert list(data["ids"]) == [p.id for p in make_pairs()]
        assert data["system/words"].shape == (3, 8)
