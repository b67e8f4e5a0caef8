"""`unspin eval` called in-process (repair/cli/evaluate.py): files written, exit codes, signatures."""
from __future__ import annotations

import json

import pytest

from repair.cli import build_parser, main
from repair.detect.registry import DETECTORS
from repair.evaluate.signature import folder_digest
from repair.paths import models_dir
from repair.restore.registry import RESTORERS
from tests.evaluate.test_harness import REPORT_KEYS


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
    assert report["context"] == {"system": "external", "bootstrap": 20, "seed": 12345}
    assert report["systems"]["system"]["metrics"]["restoration"]["signature"].startswith("restoration|system:external|version:")
    assert report["systems"]["system"]["metrics"]["restoration"]["score"] == 100
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Unspin evaluation: pairs.jsonl")
    assert (out / "report.html").is_file() and (out / "stats.npz").is_file()
    assert "restoration" in capsys.readouterr().out

    # A second run compared with the first: same pairs, zero difference.
    assert main(["eval", "--compare", str(out), str(out), "--out", str(tmp_path / "cmp"), "--bootstrap", "10"]) == 0
    compare = json.loads((tmp_path / "cmp" / "report.json").read_text(encoding="utf-8"))
    assert compare["metrics"]["bleu"]["delta"] == 0
    assert compare["run_contexts"]["A:run"]["system"] == "external"


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


@pytest.mark.parametrize("command", [["eval", "--pairs", "p.jsonl"], ["fix", "x.txt"], ["detect", "x.txt"], ["bench"]])
def test_kind_choices_are_the_registry_keys(command, capsys):
    parser = build_parser()
    for option, registry in (("detector", DETECTORS), ("restorer", RESTORERS)):
        for kind in registry:
            assert getattr(parser.parse_args([*command, f"--{option}", kind]), option) == kind
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([*command, f"--{option}", "bogus"])
        assert exit_info.value.code == 2
        assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_signature_names_the_kinds_that_ran(tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    write_pairs(pairs, [{"id": "1", "source": "The minister mentioned talks.", "reference": "The minister said talks."}])
    argv = ["eval", "--pairs", str(pairs), "--detector", "lexicon", "--restorer", "lexicon", "--bootstrap", "0", "-q", "--format", "json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    digest = folder_digest(models_dir())
    expected = f"editF0.5|detector:lexicon|restorer:lexicon|models:{digest}|threshold:0.5|version:{report['version']}"
    assert report["systems"]["system"]["metrics"]["edit_f05"]["signature"] == expected
    assert list(report["systems"]) == ["system", "do-nothing", "glossary-only"]
