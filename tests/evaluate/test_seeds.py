"""The seed documents (repair/evaluate/seeds.py): checks, substitution counts, the real seeds."""
from __future__ import annotations

import json

import pytest

from repair.cli import evaluate as cli_eval
from repair.cli import build_parser
from repair.evaluate.seeds import evaluate_seeds, parse_substitutions, substitution_coverage
from repair.results import DetectionReport, Edit, RepairResult, Span
from tests.evaluate.test_systems import toy_repairer

EXPECT = {
    "000": {"role": "clean", "expect": ["unchanged", "not_flagged"]},
    "003": {"role": "spun", "expect": ["flagged", "changed", "above_clean"]},
}


def test_evaluate_seeds_checks_expectations():
    # Stand-in documents (the real seeds are read from ../shared at run time, see below).
    seeds = {"000": "A quiet report on trade.", "003": "The Safety Group mentioned a deal."}
    report = evaluate_seeds(toy_repairer(), seeds, EXPECT, substitutions={"003": [("said", "mentioned", 1)]})
    by_id = {entry["id"]: entry for entry in report["seeds"]}
    assert report["passed"]
    assert by_id["000"]["unchanged"] and by_id["000"]["checks"] == {"unchanged": True, "not_flagged": True}
    assert by_id["003"]["edits"] == 2 and by_id["003"]["glossary_only_edits"] == 1
    assert by_id["003"]["substitutions"] == {
        "listed": 1, "listed_count": 1, "occurrences": 1, "flagged": 1, "restored": 1, "flagged_rate": 100.0,
        "restored_rate": 100.0,
    }
    assert report["passage_roc_auc"] == 1.0


def test_failed_seed_check_is_reported():
    seeds = {"000": "They mentioned nothing.", "003": "The Safety Group mentioned a deal."}
    report = evaluate_seeds(toy_repairer(), seeds, EXPECT)
    assert not report["passed"]
    assert report["seeds"][0]["checks"] == {"unchanged": False, "not_flagged": False}


def test_substitution_coverage_joins_split_edits():
    text = "It rose in the final 12 months."
    edits = (Edit(15, 20, "final", "last", "lexicon", 0.9), Edit(21, 30, "12 months", "year", "lexicon", 0.9))
    result = RepairResult(text="", edits=edits, detection=DetectionReport(0.9, True, (Span(15, 20, "final", 0.9),)))
    coverage = substitution_coverage(text, result, [("last year", "final 12 months", 1), ("rose", "grew", 1)])
    assert (coverage["occurrences"], coverage["flagged"], coverage["restored"]) == (1, 1, 1)


def test_parse_substitutions_skips_comments():
    text = "# original\tspun\tcount\nmilitary\tnavy\t4\nalso\tin addition\n"
    assert parse_substitutions(text) == [("military", "navy", 4), ("also", "in addition", 1)]


@pytest.mark.shared
@pytest.mark.slow
def test_seed_suite_with_the_shipped_pipeline(shipped_repairer, seeds_dir, tmp_path, capsys):
    out = tmp_path / "seeds"
    args = build_parser().parse_args(["eval", "--suite", "seeds", "--out", str(out), "--format", "json"])
    assert cli_eval.run_seeds(args, repairer=shipped_repairer) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == report
    by_id = {entry["id"]: entry for entry in report["seeds"]}
    assert {"000", "001", "003", "004"} <= set(by_id)
    for clean in ("000", "001", "004"):
        assert by_id[clean]["unchanged"], f"clean seed {clean} was changed"
    assert report["context"]["detector"] == "cascade" and report["context"]["restorer"] == "seq2seq"
