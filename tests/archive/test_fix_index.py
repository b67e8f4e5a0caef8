"""`unspin fix FILE --index INDEX` end to end, in-process: the archive restores what it can trace."""
from __future__ import annotations

import json

from repair.cli import main

from tests.archive.archive_samples import ARTICLES, UNRELATED


def test_fix_with_index_restores_from_the_source(index_path, spinner, tmp_path, capsys):
    clean = "\n".join(ARTICLES["wire/1"])
    spun = spinner.spin(clean, seed=5)
    assert spun.substitutions
    path = tmp_path / "copy.txt"
    path.write_text(spun.spun + "\n" + UNRELATED + "\n", encoding="utf-8")
    code = main(["fix", str(path), "--index", str(index_path), "--detector", "lexicon", "--no-model", "--format", "json", "-q"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["text"] == clean + "\n" + UNRELATED + "\n"
    assert record["edits"] and all(e["source"] == "archive" for e in record["edits"])


def test_fix_with_a_missing_index_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "copy.txt"
    path.write_text("Some text.\n", encoding="utf-8")
    assert main(["fix", str(path), "--index", str(tmp_path / "none.db"), "--detector", "lexicon", "--no-model"]) == 2
    assert "archive index" in capsys.readouterr().err
