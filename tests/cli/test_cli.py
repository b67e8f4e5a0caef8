"""`unspin detect` / `unspin fix` end to end with the shipped pipeline (``Repairer.load()``).

Each test runs the real command in a child process, as a user or an external check would.
"""
from __future__ import annotations

import codecs
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repair.merge.edits import apply_edits
from repair.results import Edit

CLEAN_SEEDS = ("000", "001", "004")


def unspin(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "repair", *args], input=stdin, capture_output=True, cwd=cwd, timeout=600)


def json_lines(output: bytes) -> list[dict]:
    return [json.loads(line) for line in output.decode("utf-8").splitlines() if line.strip()]


def seed_path(seeds_dir: Path, prefix: str) -> Path:
    matches = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} not found in {seeds_dir}")
    return matches[0]


@pytest.mark.parametrize("command", [[], ["detect"], ["fix"], ["bench"]])
def test_help_everywhere(command):
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
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    (tmp_path / "a.txt").write_text("Text.\n")
    (tmp_path / "b.txt").write_text("Text.\n")
    result = unspin(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert (tmp_path / "a.txt").read_text() == "Text.\n" and not (tmp_path / "out").exists()


@pytest.mark.shared
def test_detect_contract_and_ranking(seeds_dir, tmp_path):
    paths = [seed_path(seeds_dir, p) for p in (*CLEAN_SEEDS, "003")]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = unspin("detect", *map(str, paths), str(empty), "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r["path"] for r in records] == [*map(str, paths), str(empty)]
    for record in records:
        assert set(record) == {"path", "score", "spun", "spans"}
        assert 0.0 <= record["score"] <= 1.0 and isinstance(record["spun"], bool)
        text = Path(record["path"]).read_text(encoding="utf-8")
        for span in record["spans"]:
            assert {"start", "end", "text", "score", "reason"} <= set(span)
            assert text[span["start"] : span["end"]] == span["text"]
    scores = {Path(r["path"]).name[:3]: r["score"] for r in records}
    assert all(scores["003"] > scores[p] for p in CLEAN_SEEDS)
    assert records[-1] == {"path": str(empty), "score": 0.0, "spun": False, "spans": []}
    assert f"{empty} is empty".encode() in result.stderr


@pytest.mark.shared
def test_detect_chooses_the_detector(seeds_dir):
    spun = seed_path(seeds_dir, "003").read_bytes()
    (cascade,) = json_lines(unspin("detect", "-", stdin=spun).stdout)
    (lexicon,) = json_lines(unspin("detect", "-", "--detector", "lexicon", stdin=spun).stdout)
    # The default cascade fuses the tagger in suspect paragraphs; the lexicon detector alone never does.
    assert any(s["reason"].startswith("combined") for s in cascade["spans"])
    assert lexicon["spans"] and not any("tagger" in s["reason"] for s in lexicon["spans"])
    assert {(s["start"], s["end"]) for s in lexicon["spans"]} != {(s["start"], s["end"]) for s in cascade["spans"]}
    bad = unspin("detect", "-", "--detector", "bert", stdin=spun)
    assert bad.returncode == 2 and b"invalid choice" in bad.stderr


@pytest.mark.shared
def test_detect_stdin_and_text_format(seeds_dir):
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
def test_fix_returns_clean_text_byte_identical(seeds_dir, tmp_path, encode):
    for prefix in CLEAN_SEEDS:
        raw = encode(seed_path(seeds_dir, prefix).read_text(encoding="utf-8"))
        path = tmp_path / f"{prefix}.txt"
        path.write_bytes(raw)
        result = unspin("fix", str(path))
        assert result.returncode == 0, result.stderr
        assert result.stdout == raw, prefix
        assert path.read_bytes() == raw


@pytest.mark.shared
def test_fix_stdin_and_json_contract(seeds_dir):
    spun_path = seed_path(seeds_dir, "003")
    spun = spun_path.read_text(encoding="utf-8")
    clean = seed_path(seeds_dir, "000").read_bytes()
    assert unspin("fix", "-", stdin=clean).stdout == clean
    result = unspin("fix", str(spun_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    (record,) = json_lines(result.stdout)
    assert set(record) == {"path", "text", "edits"} and record["path"] == str(spun_path)
    assert record["edits"] and record["text"] != spun
    for edit in record["edits"]:
        assert set(edit) == {"start", "end", "old", "new", "source", "confidence"}
    assert apply_edits(spun, [Edit(**e) for e in record["edits"]]) == record["text"]
    glossary_only = json_lines(unspin("fix", str(spun_path), "--format", "json", "--no-model").stdout)[0]
    assert all(e["source"] == "glossary" for e in glossary_only["edits"])
    reported_only = json_lines(unspin("fix", str(spun_path), "--format", "json", "--no-weak-spans").stdout)[0]
    assert 0 < len(reported_only["edits"]) < len(record["edits"])  # weak spans add edits on a spun article


@pytest.mark.shared
def test_bad_inputs_named_on_stderr_and_nothing_written_over_inputs(seeds_dir, tmp_path):
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
def test_folder_with_two_workers_matches_one_and_resumes(seeds_dir, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for prefix in ("000", "001", "002", "003", "004"):
        (root / f"{prefix}.txt").write_bytes(seed_path(seeds_dir, prefix).read_bytes())
    one, two = tmp_path / "one", tmp_path / "two"
    assert unspin("fix", str(root), "-o", str(one), "-j", "1").returncode == 0
    assert unspin("fix", str(root), "-o", str(two), "-j", "2").returncode == 0
    for prefix in ("000", "001", "002", "003", "004"):
        assert (one / f"{prefix}.txt").read_bytes() == (two / f"{prefix}.txt").read_bytes()
    assert (one / "003.txt").read_bytes() != (root / "003.txt").read_bytes()
    again = unspin("fix", str(root), "-o", str(one))
    assert again.returncode == 0 and b"resumed 5" in again.stderr


@pytest.mark.shared
def test_in_place_backs_up_changed_files_only_and_diff_writes_nothing(seeds_dir, tmp_path):
    clean, spun = seed_path(seeds_dir, "000").read_bytes(), seed_path(seeds_dir, "003").read_bytes()
    (tmp_path / "clean.txt").write_bytes(clean)
    (tmp_path / "spun.txt").write_bytes(spun)
    diff = unspin("fix", str(tmp_path), "--diff")
    assert diff.returncode == 0 and f"--- a/{tmp_path / 'spun.txt'}".encode() in diff.stdout
    assert f"a/{tmp_path / 'clean.txt'}".encode() not in diff.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.txt", "spun.txt"]
    result = unspin("fix", str(tmp_path), "--in-place")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "clean.txt").read_bytes() == clean and not (tmp_path / "clean.txt.orig").exists()
    assert (tmp_path / "spun.txt.orig").read_bytes() == spun and (tmp_path / "spun.txt").read_bytes() != spun
    again = unspin("fix", str(tmp_path), "--in-place")
    assert again.returncode == 0 and b"files    2" in again.stderr  # the backup is not an input
    assert (tmp_path / "spun.txt.orig").read_bytes() == spun


@pytest.mark.shared
@pytest.mark.parametrize("signum, jobs", [(signal.SIGINT, "1"), (signal.SIGTERM, "2")])
def test_interrupted_fix_leaves_no_partial_file_and_resumes(seeds_dir, tmp_path, signum, jobs):
    spun = seed_path(seeds_dir, "003").read_bytes()
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    # Six copies: two finish before the signal, the resumed run does the other four.
    for i in range(6):
        (root / f"{i:02d}.txt").write_bytes(spun)
    # Reported spans only: interruption and resumption are under test here, not the restorer (faster).
    command = [sys.executable, "-m", "repair", "fix", str(root), "-o", str(out), "-j", jobs, "-q", "--batch-files", "1", "--no-weak-spans"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    manifest = out / "unspin-manifest.jsonl"
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline and not (manifest.is_file() and manifest.read_bytes().count(b"\n") >= 2):
        time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert not list(out.rglob("*.unspin-part"))
    partial = {p.name: p.read_bytes() for p in out.glob("*.txt")}
    assert 2 <= len(partial) < 6
    resumed = unspin("fix", str(root), "-o", str(out), "--no-weak-spans")
    assert resumed.returncode == 0 and f"resumed {len(partial)}".encode() in resumed.stderr
    outputs = {p.name: p.read_bytes() for p in out.glob("*.txt")}
    assert len(outputs) == 6 and len(set(outputs.values())) == 1
    assert all(outputs[name] == data for name, data in partial.items())
