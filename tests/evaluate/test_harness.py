"""The evaluation harness: pairs in, report dict out, with a tiny word-swapping system.

The system under test here is a small fake (a fixed word map) because these tests check the
harness, not the models; the metrics themselves are tested in test_metrics.py.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np
import pytest

from repair.evaluate import harness as ev
from repair.cli import main
from repair.errors import InputError
from repair.pipeline.repairer import RepairConfig, Repairer
from repair.results import DetectionReport, Edit, RepairResult, Span

FIXES = {"mentioned": "said", "navy": "military"}
REPORT_KEYS = {
    "kind", "version", "suite", "pairs", "skipped", "changed_pairs", "source_words", "context", "definitions", "systems",
    "differences", "detection", "categories", "kinds", "held_out", "distribution", "worst", "wall_s",
}


class WordMapSystem:
    """Replaces known spun words; its detector flags exactly those words."""

    def run(self, batch: Sequence[ev.Pair]) -> list[ev.SystemOutput]:
        outputs = []
        for pair in batch:
            spans = tuple(
                Span(m.start(), m.end(), m.group(), 0.9) for m in re.finditer(r"\w+", pair.source) if m.group() in FIXES
            )
            text = re.sub(r"\w+", lambda m: FIXES.get(m.group(), m.group()), pair.source)
            score = 0.9 if spans else 0.1
            outputs.append(ev.SystemOutput(text, DetectionReport(score=score, spun=score >= 0.5, spans=spans)))
        return outputs


def make_pairs(copies: int = 1) -> list[ev.Pair]:
    base = [
        ev.Pair("spun-1", "The navy alliance mentioned it.", "The military alliance said it.", category="spin",
                subs=(ev.Substitution(4, 8, "wordnet"), ev.Substitution(18, 27, "wordnet"))),
        ev.Pair("spun-2", "He mentioned the final plan.", "He said the last plan.", category="spin",
                subs=(ev.Substitution(3, 12, "wordnet"), ev.Substitution(17, 22, "phrase"))),
        ev.Pair("clean-1", "Nothing changed here.", "Nothing changed here.", category="none"),
    ]
    return [ev.Pair(f"{p.id}#{i}", p.source, p.reference, p.hypothesis, p.category, p.subs) for i in range(copies) for p in base]


def run_fake(pairs, **config) -> ev.EvalResult:
    systems = {ev.SYSTEM: WordMapSystem(), ev.DO_NOTHING: ev.DoNothing()}
    context = {"model": "abc12345", "glossary": "def67890", "threshold": "0.5"}
    return ev.evaluate(pairs, systems, suite="tiny", context=context, config=ev.EvalConfig(bootstrap=50, **config))


# ---------------------------------------------------------------- parsing


def test_parse_pair_reads_optional_fields():
    line = json.dumps({"id": "x", "source": "a", "reference": "b", "noise": "garble",
                       "subs": [{"spun_start": 0, "spun_end": 1, "kind": "acronym", "clean_start": 0}]})
    assert ev.parse_pair(line, 1) == ev.Pair("x", "a", "b", None, "garble", (ev.Substitution(0, 1, "acronym"),))


def test_parse_pair_reads_dataset_rows():
    line = json.dumps({"id": "bbc/1#p0", "clean": "He said it.", "spun": "He mentioned it.", "rate": 0.3, "noise": "spin",
                       "subs": [{"clean_start": 3, "clean_end": 7, "spun_start": 3, "spun_end": 12, "clean": "said",
                                 "spun": "mentioned", "kind": "wordnet", "held_out": True}]})
    pair = ev.parse_pair(line, 1)
    assert (pair.source, pair.reference, pair.category) == ("He mentioned it.", "He said it.", "spin")
    assert pair.subs == (ev.Substitution(3, 12, "wordnet", held_out=True),)


@pytest.mark.parametrize(
    "line,message",
    [("{not json", "line 3: not JSON"), ("[1, 2]", "line 3: expected a JSON object"),
     ('{"source": "a"}', "line 3: missing or non-string 'reference'"),
     ('{"source": "a", "reference": "b", "hypothesis": 3}', "line 3: 'hypothesis' must be a string")],
)
def test_parse_pair_names_the_bad_line(line, message):
    with pytest.raises(InputError, match=re.escape(message)):
        ev.parse_pair(line, 3)


def test_unknown_suite_is_named():
    with pytest.raises(ev.EvalError, match="unknown suite 'nope'"):
        ev.suite_path("nope")


# ---------------------------------------------------------------- evaluate


def test_report_has_stable_keys_and_hand_checked_numbers():
    report = run_fake(make_pairs()).report
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
    assert system["edit_f05"]["signature"] == "editF0.5|model:abc12345|glossary:def67890|threshold:0.5|version:0.1"
    assert report["differences"]["system - do-nothing"]["restoration"]["delta"] == pytest.approx(75)


def test_detection_and_categories():
    report = run_fake(make_pairs()).report
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
    assert result.stats[(ev.SYSTEM, "words")].shape == (120, 8)
    assert len(result.ids) == 120


def test_empty_input_is_an_error():
    with pytest.raises(ev.EvalError, match="no pairs"):
        run_fake([])


def test_results_are_reproducible():
    first = run_fake(make_pairs(copies=5)).report
    second = run_fake(make_pairs(copies=5)).report
    assert first["systems"]["system"]["metrics"] == second["systems"]["system"]["metrics"]


def test_external_hypotheses_are_scored():
    pairs = [ev.Pair("1", "a b c", "a x c", hypothesis="a x c"), ev.Pair("2", "d e", "d e", hypothesis="d z")]
    report = ev.evaluate(pairs, ev.default_systems(None, external=True), config=ev.EvalConfig(bootstrap=0)).report
    metrics = report["systems"]["system"]["metrics"]
    assert metrics["restoration"]["score"] == 100
    assert metrics["damage"]["score"] == pytest.approx(100 / 4)
    assert metrics["edit_p"]["ci"] is None


# ---------------------------------------------------------------- glossary-only baseline


class ToyGlossary:
    def find(self, paragraph: str) -> list[Edit]:
        start = paragraph.find("Safety Group")
        if start < 0:
            return []
        return [Edit(start, start + 12, "Safety Group", "Security Organization", "glossary", 0.9)]


class ToyDetector:
    def detect_batch(self, paragraphs):
        return [DetectionReport(score=0.8 if "mentioned" in p else 0.1, spun="mentioned" in p,
                                spans=tuple(Span(m.start(), m.end(), "mentioned", 0.8) for m in re.finditer("mentioned", p)))
                for p in paragraphs]


class ToyRestorer:
    def propose(self, paragraph, spans):
        return [Edit(s.start, s.end, s.text, "said", "model", 0.9) for s in spans]


def toy_repairer(use_model: bool = True) -> Repairer:
    full = Repairer(detector=ToyDetector(), glossary=ToyGlossary(), restorers=[ToyRestorer()], config=RepairConfig())
    # with_config drops the restorers for use_model=False, as Repairer.load does.
    return full.with_config(use_model=use_model)


def test_glossary_only_matches_the_pipeline_without_model():
    texts = ["The Safety Group mentioned it.\nNothing here.", "Plain text."]
    expected = [r.text for r in toy_repairer(use_model=False).repair_batch(texts)]
    assert [r.text for r in ev.glossary_only(toy_repairer()).repair_batch(texts)] == expected
    assert expected[0] == "The Security Organization mentioned it.\nNothing here."


def test_default_systems_with_a_repairer():
    systems = ev.default_systems(toy_repairer(), external=False)
    assert list(systems) == ["system", "do-nothing", "glossary-only"]
    assert list(ev.default_systems(toy_repairer(use_model=False), external=False)) == ["system", "do-nothing"]
    outputs = systems["glossary-only"].run([ev.Pair("1", "The Safety Group mentioned it.", "")])
    assert outputs[0].text == "The Security Organization mentioned it." and outputs[0].detection is None


# ---------------------------------------------------------------- compare


def test_compare_runs_pairs_the_same_items():
    arrays = ev.stats_arrays(run_fake(make_pairs(copies=3)))
    report = ev.compare_runs(arrays, arrays, labels=("a", "b"), config=ev.EvalConfig(bootstrap=30))
    assert report["kind"] == "compare"
    assert report["metrics"]["chrf"]["delta"] == 0
    assert report["metrics"]["chrf"]["a"] == report["metrics"]["chrf"]["b"]


def test_compare_runs_rejects_different_pairs():
    a = ev.stats_arrays(run_fake(make_pairs(copies=2)))
    b = ev.stats_arrays(run_fake(make_pairs(copies=3)))
    with pytest.raises(ev.EvalError, match="different pairs"):
        ev.compare_runs(a, b)


# ---------------------------------------------------------------- seeds


EXPECT = {
    "000": {"role": "clean", "expect": ["unchanged", "not_flagged"]},
    "003": {"role": "spun", "expect": ["flagged", "changed", "above_clean"]},
}


def test_evaluate_seeds_checks_expectations():
    # Stand-in documents (the real seeds are read from ../shared at run time, see below).
    seeds = {"000": "A quiet report on trade.", "003": "The Safety Group mentioned a deal."}
    report = ev.evaluate_seeds(toy_repairer(), seeds, EXPECT, substitutions={"003": [("said", "mentioned", 1)]})
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
    report = ev.evaluate_seeds(toy_repairer(), seeds, EXPECT)
    assert not report["passed"]
    assert report["seeds"][0]["checks"] == {"unchanged": False, "not_flagged": False}


def test_substitution_coverage_joins_split_edits():
    text = "It rose in the final 12 months."
    edits = (Edit(15, 20, "final", "last", "lexicon", 0.9), Edit(21, 30, "12 months", "year", "lexicon", 0.9))
    result = RepairResult(text="", edits=edits, detection=DetectionReport(0.9, True, (Span(15, 20, "final", 0.9),)))
    coverage = ev.substitution_coverage(text, result, [("last year", "final 12 months", 1), ("rose", "grew", 1)])
    assert (coverage["occurrences"], coverage["flagged"], coverage["restored"]) == (1, 1, 1)


def test_parse_substitutions_skips_comments():
    text = "# original\tspun\tcount\nmilitary\tnavy\t4\nalso\tin addition\n"
    assert ev.parse_substitutions(text) == [("military", "navy", 4), ("also", "in addition", 1)]


# ---------------------------------------------------------------- command line


def write_pairs(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_cli_scores_external_hypotheses(tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    write_pairs(pairs, [{"id": "1", "source": "He mentioned it.", "reference": "He said it.", "hypothesis": "He said it."},
                        {"id": "2", "source": "Fine as is.", "reference": "Fine as is.", "hypothesis": "Fine as is."}])
    out = tmp_path / "run"
    code = main(["eval", "--pairs", str(pairs), "--out", str(out), "--bootstrap", "20", "-q", "--models", str(tmp_path / "none")])
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(report) == REPORT_KEYS
    assert report["context"]["model"] == "external"
    assert report["systems"]["system"]["metrics"]["restoration"]["score"] == 100
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Unspin evaluation: pairs.jsonl")
    assert (out / "report.html").is_file() and (out / "stats.npz").is_file()
    assert "restoration" in capsys.readouterr().out

    # A second run compared with the first: same pairs, zero difference.
    assert main(["eval", "--compare", str(out), str(out), "--out", str(tmp_path / "cmp"), "--bootstrap", "10"]) == 0
    compare = json.loads((tmp_path / "cmp" / "report.json").read_text(encoding="utf-8"))
    assert compare["metrics"]["bleu"]["delta"] == 0


def test_cli_skips_bad_lines_with_exit_1(tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"source": "a b", "reference": "a b", "hypothesis": "a b"}\nnot json\n', encoding="utf-8")
    code = main(["eval", "--pairs", str(pairs), "--bootstrap", "0", "-q", "--format", "json", "--models", str(tmp_path / "none")])
    assert code == 1
    captured = capsys.readouterr()
    assert "line 2: not JSON" in captured.err
    assert json.loads(captured.out)["skipped"] == 1


def test_cli_missing_pairs_file(tmp_path, capsys):
    assert main(["eval", "--pairs", str(tmp_path / "missing.jsonl"), "-q"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_compare_needs_eval_runs(tmp_path, capsys):
    assert main(["eval", "--compare", str(tmp_path), str(tmp_path)]) == 2
    assert "no stats.npz" in capsys.readouterr().err


def test_stats_arrays_round_trip(tmp_path):
    arrays = ev.stats_arrays(run_fake(make_pairs()))
    np.savez_compressed(tmp_path / "stats.npz", **arrays)
    with np.load(tmp_path / "stats.npz") as data:
        assert list(data["ids"]) == [p.id for p in make_pairs()]
        assert data["system/words"].shape == (3, 8)


# ---------------------------------------------------------------- the real seeds with the shipped pipeline


@pytest.mark.shared
@pytest.mark.slow
def test_seed_suite_with_the_shipped_pipeline(seeds_dir, tmp_path):
    try:
        Repairer.load()
    except Exception as error:  # the default components may not be built in this checkout
        pytest.skip(f"shipped pipeline does not load: {error}")
    out = tmp_path / "seeds"
    assert main(["eval", "--suite", "seeds", "--out", str(out), "--format", "json"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_id = {entry["id"]: entry for entry in report["seeds"]}
    assert {"000", "001", "003", "004"} <= set(by_id)
    for clean in ("000", "001", "004"):
        assert by_id[clean]["unchanged"], f"clean seed {clean} was changed"
