"""`unspin profile` learns a batch's substitution map; `unspin fix --profile` applies it."""
from __future__ import annotations

import json

from repair.cli import main
from tests.samples import SPUN

# One more paragraph by the same spinner: alone, its "mentioned" is not flagged.
LATER = "He mentioned that the meeting was productive."


def test_profile_learns_the_batch_map_and_fix_applies_it_where_a_document_alone_would_not(tmp_path, unspin):
    farm = tmp_path / "farm"
    farm.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (farm / name).write_text(SPUN + "\n", encoding="utf-8")
    # At the default threshold no single document is sure of "mentioned" (calibrated 0.74); the
    # profile learns from the edits at 0.5 and lets the three documents' counts decide.
    learned = unspin("profile", str(farm), "-o", str(tmp_path / "profile.json"), "-q", "--min-confidence", "0.5")
    assert learned.returncode == 0, learned.stderr
    profile = json.loads((tmp_path / "profile.json").read_text())
    assert profile["documents"] == 3
    lines = {(e["old"], e["new"]): e for e in profile["entries"]}
    assert lines[("mentioned", "said")]["count"] == 3 and lines[("mentioned", "said")]["confidence"] >= 0.9

    later = tmp_path / "later.txt"
    later.write_text(SPUN + "\n\n" + LATER + "\n", encoding="utf-8")
    alone = unspin("fix", str(later), "--format", "json")
    shared = unspin("fix", str(later), "--format", "json", "--profile", str(tmp_path / "profile.json"))
    assert alone.returncode == shared.returncode == 0
    alone_text, shared_text = json.loads(alone.stdout)["text"], json.loads(shared.stdout)["text"]
    assert alone_text.endswith(LATER + "\n")
    assert shared_text.endswith("He said that the meeting was productive.\n")
    assert [e for e in json.loads(shared.stdout)["edits"] if e["source"] == "document"][-1]["old"] == "mentioned"


def test_profile_prints_the_map_on_stdout_without_output_file(tmp_path, unspin):
    (tmp_path / "a.txt").write_text(SPUN + "\n", encoding="utf-8")
    printed = unspin("profile", str(tmp_path / "a.txt"), "-q")
    assert printed.returncode == 0
    lines = printed.stdout.decode().splitlines()
    assert lines[0].startswith("# ") and lines[0].endswith(" map entries from 1 spun of 1 documents")
    # The default keeps the edits that are right 9 times in 10: "subsequent" is one, "mentioned" is not.
    assert any(line.startswith("subsequent -> next x1, ") for line in lines[1:])
    assert not any(line.startswith("mentioned -> ") for line in lines[1:])


def test_fix_with_a_bad_profile_is_a_usage_error_before_any_work(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(SPUN, encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"entries": []}', encoding="utf-8")
    assert main(["fix", str(tmp_path / "a.txt"), "--profile", str(tmp_path / "bad.json")]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert main(["fix", str(tmp_path / "a.txt"), "--profile", str(tmp_path / "missing.json")]) == 2
