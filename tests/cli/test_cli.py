"""`unspin detect` / `unspin fix` end to end with the shipped pipeline, called in this process.

The ``unspin`` fixture (tests/cli/conftest.py) runs ``repair.cli.main`` on the session's
already-loaded shipped pipeline. What only a real process shows (exit status, pipes, signals)
is in test_process.py.
"""
from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest

from repair.detect.registry import DETECTORS
from repair.merge.edits import apply_edits
from repair.results import Edit
from tests.cli.runner import json_lines, seed_path
from tests.samples import LIGHTLY_SPUN, SPUN_TWO_PARAGRAPHS

CLEAN_SEEDS = ("000", "001", "004")


def spun_excerpt(seeds_dir: Path) -> bytes:
    """The first paragraphs of the spun seed 003: the whole pipeline runs on them in seconds,
    where the whole article takes the seq2seq restorer about a minute per run."""
    return b"\n".join(seed_path(seeds_dir, "003").read_bytes().split(b"\n")[:6]) + b"\n"


@pytest.mark.parametrize("command", [[], ["detect"], ["fix"], ["bench"], ["eval"]])
def test_help_everywhere(unspin, command):
    result = unspin(*command, "--help")
    assert result.returncode == 0 and b"usage: unspin" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["fix", "a.txt", "b.txt"], b"needs -o OUTDIR"),
        (["fix", "a.txt", "-o", "out", "--in-place"], b"either -o OUTDIR or --in-place"),
        (["fix", "-", "-o", "out"], b"cannot be used with -o"),
        (["detect", "a.txt", "--threshold", "2"], b"not between 0 and 1"),
        (["fix", "a.txt", "--min-confidence", "x"], b"invalid probability value"),
        (["detect", "-", "--detector", "bert"], b"invalid choice: 'bert'"),
        ([], b"required: COMMAND"),
    ],
)
def test_usage_errors_exit_2(unspin, tmp_path, args, message):
    (tmp_path / "a.txt").write_text("Text.\n")
    (tmp_path / "b.txt").write_text("Text.\n")
    result = unspin(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert (tmp_path / "a.txt").read_text() == "Text.\n" and not (tmp_path / "out").exists()


def test_unknown_detector_from_the_environment_names_the_value_and_the_choices(unspin, monkeypatch):
    monkeypatch.setenv("UNSPIN_DETECTOR", "bogus")
    result = unspin("detect", "-", stdin=b"Text.\n")
    assert result.returncode == 2 and result.stdout == b""
    assert b"unknown detector 'bogus'" in result.stderr
    assert str(sorted(DETECTORS)).encode() in result.stderr


@pytest.mark.shared
def test_detect_contract_and_ranking(unspin, seeds_dir, tmp_path):
    paths = [seed_path(seeds_dir, p) for p in (*CLEAN_SEEDS, "003")]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = unspin("detect", *map(str, paths), str(empty), "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r["path"] for r in records] == [*map(str, paths), str(empty)]
    for record in records:
        assert set(record) == {"path", "score", "spun", "risk", "spans"}
        assert 0.0 <= record["score"] <= 1.0 and isinstance(record["spun"], bool)
        text = Path(record["path"]).read_text(encoding="utf-8")
        for span in record["spans"]:
            assert {"start", "end", "text", "score", "reason"} <= set(span)
            assert text[span["start"] : span["end"]] == span["text"]
    scores = {Path(r["path"]).name[:3]: r["score"] for r in records}
    assert all(scores["003"] > scores[p] for p in CLEAN_SEEDS)
    risks = {Path(r["path"]).name[:3]: r["risk"] for r in records}
    assert risks["003"] == "high" and all(risks[p] in ("clean", "low") for p in CLEAN_SEEDS)
    assert records[-1] == {"path": str(empty), "score": 0.0, "spun": False, "risk": "clean", "spans": []}
    assert f"{empty} is empty".encode() in result.stderr


@pytest.mark.shared
def test_detect_chooses_the_detector(unspin, seeds_dir):
    spun = seed_path(seeds_dir, "003").read_bytes()
    (cascade,) = json_lines(unspin("detect", "-", stdin=spun).stdout)
    (lexicon,) = json_lines(unspin("detect", "-", "--detector", "lexicon", stdin=spun).stdout)
    # The default cascade fuses the tagger in suspect paragraphs; the lexicon detector alone never does.
    assert any(s["reason"].startswith("combined") for s in cascade["spans"])
    assert lexicon["spans"] and not any("tagger" in s["reason"] for s in lexicon["spans"])
    assert {(s["start"], s["end"]) for s in lexicon["spans"]} != {(s["start"], s["end"]) for s in cascade["spans"]}


@pytest.mark.shared
def test_detect_stdin_and_text_format(unspin, seeds_dir):
    spun = seed_path(seeds_dir, "003").read_bytes()
    result = unspin("detect", "-", stdin=spun)
    assert result.returncode == 0
    (record,) = json_lines(result.stdout)
    assert record["path"] == "-" and record["spun"] is True
    table = unspin("detect", str(seed_path(seeds_dir, "003")), "--format", "text")
    assert table.returncode == 0 and b"SPUN" in table.stdout.splitlines()[0]


@pytest.mark.shared
@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"),
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom-crlf", "utf16-bom"],
)
def test_fix_returns_clean_text_byte_identical(unspin, seeds_dir, tmp_path, encode):
    for prefix in CLEAN_SEEDS:
        raw = encode(seed_path(seeds_dir, prefix).read_text(encoding="utf-8"))
        path = tmp_path / f"{prefix}.txt"
        path.write_bytes(raw)
        result = unspin("fix", str(path))
        assert result.returncode == 0, result.stderr
        assert result.stdout == raw, prefix
        assert path.read_bytes() == raw


@pytest.mark.shared
def test_fix_stdin_and_json_contract(unspin, seeds_dir, tmp_path):
    spun_path = tmp_path / "003.txt"
    spun_path.write_bytes(spun_excerpt(seeds_dir))
    spun = spun_path.read_text(encoding="utf-8")
    clean = seed_path(seeds_dir, "000").read_bytes()
    assert unspin("fix", "-", stdin=clean).stdout == clean
    result = unspin("fix", str(spun_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    (record,) = json_lines(result.stdout)
    assert set(record) == {"path", "text", "substitution_map", "edits"} and record["path"] == str(spun_path)
    assert all(set(entry) == {"old", "new", "count", "confidence"} for entry in record["substitution_map"])
    assert record["edits"] and record["text"] != spun
    for edit in record["edits"]:
        required = {"start", "end", "old", "new", "source", "confidence"}
        assert required <= set(edit) <= required | {"alternatives", "reason"}  # the two only when set
    assert apply_edits(spun, [Edit(**e) for e in record["edits"]]) == record["text"]
    glossary_only = json_lines(unspin("fix", str(spun_path), "--format", "json", "--no-model").stdout)[0]
    assert all(e["source"] == "glossary" for e in glossary_only["edits"])
    reported_only = json_lines(unspin("fix", str(spun_path), "--format", "json", "--no-weak-spans").stdout)[0]
    assert 0 < len(reported_only["edits"]) < len(record["edits"])  # weak spans add edits on a spun article


@pytest.mark.shared
def test_bad_inputs_named_on_stderr_and_nothing_written_over_inputs(unspin, seeds_dir, tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    good = seed_path(seeds_dir, "000").read_bytes()
    files = {
        "good.txt": good,
        "empty.txt": b"",
        "binary.bin": b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)),
        "utf16-nobom.txt": "Plain words in UTF-16.".encode("utf-16-le"),
        "latin1.txt": "Caf\u00e9 opened on Monday.\n".encode("latin-1"),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    os.mkfifo(root / "fifo.txt")
    os.symlink("..", root / "sub" / "loop")
    out = tmp_path / "out"
    result = unspin("fix", str(root), str(tmp_path / "missing.txt"), "-o", str(out))
    assert result.returncode == 1
    stderr = result.stderr.decode()
    for name, reason in [("binary.bin", "binary file"), ("utf16-nobom.txt", "UTF-16 without a byte-order mark"),
                         ("fifo.txt", "named pipe"), ("sub/loop", "symbolic link loop"), ("missing.txt", "no such file"),
                         ("empty.txt", "is empty")]:
        assert any(name in line and reason in line for line in stderr.splitlines()), (name, stderr)
    for name, data in files.items():
        assert (root / name).read_bytes() == data
    assert (out / "in" / "good.txt").read_bytes() == good
    assert (out / "in" / "empty.txt").read_bytes() == b""
    assert (out / "in" / "latin1.txt").read_bytes() == files["latin1.txt"]
    assert not (out / "in" / "binary.bin").exists()
    manifest = json_lines((out / "unspin-manifest.jsonl").read_bytes())
    assert len(manifest) == 8 and {e["status"] for e in manifest} == {"done", "failed", "skipped"}

    for name, code in [("binary.bin", 1), ("utf16-nobom.txt", 1), ("fifo.txt", 1), ("empty.txt", 0)]:
        single = unspin("fix", str(root / name))
        assert single.returncode == code and single.stdout == b"", name
        assert str(root / name).encode() in single.stderr


@pytest.mark.shared
def test_folder_with_two_workers_matches_one_and_resumes(unspin, seeds_dir, tmp_path):
    # The two workers are forked from this process and so start with the session's pipeline.
    # Reported spans only (--no-weak-spans, about 3x faster): the workers are under test here,
    # the weak-span restorer is tested in test_fix_stdin_and_json_contract.
    fast = "--no-weak-spans"
    root = tmp_path / "in"
    root.mkdir()
    for prefix in ("000", "001", "002", "004"):
        (root / f"{prefix}.txt").write_bytes(seed_path(seeds_dir, prefix).read_bytes())
    (root / "003.txt").write_bytes(spun_excerpt(seeds_dir))
    one, two = tmp_path / "one", tmp_path / "two"
    assert unspin("fix", str(root), "-o", str(one), "-j", "1", fast).returncode == 0
    assert unspin("fix", str(root), "-o", str(two), "-j", "2", fast).returncode == 0
    for prefix in ("000", "001", "002", "003", "004"):
        assert (one / f"{prefix}.txt").read_bytes() == (two / f"{prefix}.txt").read_bytes()
    assert (one / "003.txt").read_bytes() != (root / "003.txt").read_bytes()
    again = unspin("fix", str(root), "-o", str(one), fast)
    assert again.returncode == 0 and b"resumed 5" in again.stderr


@pytest.mark.shared
def test_in_place_backs_up_changed_files_only_and_diff_writes_nothing(unspin, seeds_dir, tmp_path):
    clean, spun = seed_path(seeds_dir, "000").read_bytes(), spun_excerpt(seeds_dir)
    (tmp_path / "clean.txt").write_bytes(clean)
    (tmp_path / "spun.txt").write_bytes(spun)
    fast = "--no-weak-spans"  # file handling is under test here, not the weak-span restorer
    diff = unspin("fix", str(tmp_path), "--diff", fast)
    assert diff.returncode == 0 and f"--- a/{tmp_path / 'spun.txt'}".encode() in diff.stdout
    assert f"a/{tmp_path / 'clean.txt'}".encode() not in diff.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.txt", "spun.txt"]
    result = unspin("fix", str(tmp_path), "--in-place", fast)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "clean.txt").read_bytes() == clean and not (tmp_path / "clean.txt.orig").exists()
    assert (tmp_path / "spun.txt.orig").read_bytes() == spun and (tmp_path / "spun.txt").read_bytes() != spun
    again = unspin("fix", str(tmp_path), "--in-place", fast)
    assert again.returncode == 0 and b"files    2" in again.stderr  # the backup is not an input
    assert (tmp_path / "spun.txt.orig").read_bytes() == spun


def test_fix_decides_a_spun_articles_map_unless_told_not_to(unspin, tmp_path):
    from tests.document.test_decide import ARTICLE, LM_DECIDED, SPUN_ARTICLE

    path = tmp_path / "spun.txt"
    path.write_text(SPUN_ARTICLE, encoding="utf-8")
    decided = json_lines(unspin("fix", str(path), "--format", "json").stdout)[0]
    counts = json_lines(unspin("fix", str(path), "--format", "json", "--no-map-lm").stdout)[0]
    alone = json_lines(unspin("fix", str(path), "--format", "json", "--no-map-decisions").stdout)[0]
    assert [(e["old"], e["new"]) for e in decided["edits"] if e["source"] == "document"] == LM_DECIDED
    # The record leads with the inferred map, most frequent first, one entry per pair.
    inferred = [(m["old"], m["new"], m["count"]) for m in decided["substitution_map"]]
    assert inferred[:3] == [("adjacent", "next", 2), ("battalion", "people", 2), ("expect", "plan", 2)]
    model_edits = {(e["old"].lower(), e["new"].lower()) for e in decided["edits"] if e["source"] == "model"}
    assert {(old, new) for old, new, _ in inferred} == {(o.lower(), n.lower()) for o, n in LM_DECIDED} | model_edits
    assert all(0.5 <= m["confidence"] <= 1.0 for m in decided["substitution_map"])
    assert [e["old"] for e in counts["edits"] if e["source"] == "document"] == [
        "adjacent", "wampum", "battalion", "Confrontation", "adjacent"]
    assert not any(e["source"] == "document" for e in alone["edits"])
    assert "Opposition members said the plan was rushed" in decided["text"]
    assert "Opposition members said the expect" in counts["text"] and "Confrontation members" in alone["text"]
    clean = tmp_path / "clean.txt"
    clean.write_text(ARTICLE, encoding="utf-8")
    assert unspin("fix", str(clean)).stdout == ARTICLE.encode("utf-8")


def test_fix_judges_thesaurus_entries_when_asked(unspin, tmp_path):
    from tests.document.test_decide import SPUN_WATER_ARTICLE

    path = tmp_path / "spun.txt"
    path.write_text(SPUN_WATER_ARTICLE, encoding="utf-8")
    default = json_lines(unspin("fix", str(path), "--format", "json").stdout)[0]
    thesaurus = json_lines(unspin("fix", str(path), "--format", "json", "--map-thesaurus").stdout)[0]
    assert ("bespoke", "called for") in {(m["old"], m["new"]) for m in thesaurus["substitution_map"]}
    assert ("bespoke", "called for") not in {(m["old"], m["new"]) for m in default["substitution_map"]}
    assert "belted along and called for a public" in thesaurus["text"] and "belted along and bespoke a public" in default["text"]


def test_help_and_the_pipeline_modules_do_not_import_torch():
    # `unspin --help` took 2 s instead of 0.4 when the pipeline's modules imported repair.lm at
    # module level (torch comes with it); the models import torch when they load, not before.
    code = ("import sys\nfrom repair.cli import main\nimport repair.pipeline.repairer, repair.document.decide\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint('torch loaded:', 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("torch loaded: False")


def test_fix_restores_every_paragraph_of_a_spun_document_unless_paragraphs_alone(unspin):
    document = (SPUN_TWO_PARAGRAPHS + LIGHTLY_SPUN + "\n").encode()
    whole = unspin("fix", "-", stdin=document)
    alone = unspin("fix", "-", "--paragraphs-alone", stdin=document)
    assert whole.returncode == alone.returncode == 0, whole.stderr + alone.stderr
    assert whole.stdout.splitlines()[-1].decode() == LIGHTLY_SPUN.replace("aver", "say")
    assert alone.stdout.splitlines()[-1].decode() == LIGHTLY_SPUN
