"""`unspin fix --format html`: review pages written by the CLI in this process, on the shipped pipeline."""
from __future__ import annotations

import re

import pytest

from tests.cli.runner import seed_path
from tests.cli.test_cli import spun_excerpt


@pytest.mark.shared
def test_review_page_for_a_spun_excerpt(unspin, seeds_dir, tmp_path):
    spun = tmp_path / "003.txt"
    spun.write_bytes(spun_excerpt(seeds_dir))
    page_file = tmp_path / "review.html"
    result = unspin("fix", str(spun), "--format", "html", "-o", str(page_file))
    assert result.returncode == 0, result.stderr
    page = page_file.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<title>Unspin review: 003.txt</title>" in page
    assert re.search(r'class="risk"[^>]*>(suspicious|high)<', page)
    sources = set(re.findall(r'class="e src-(\w+)"', page))
    assert "model" in sources
    assert re.search(r"prefer &#x27;[^&]+&#x27; \(p=0\.\d\d\)", page)  # the restorer's reason, escaped
    assert "Substitution map (" in page and re.search(r"\w+ -&gt; \w+ x\d+, \d\.\d\d", page)
    assert spun.read_bytes() == spun_excerpt(seeds_dir)  # the input is never touched


@pytest.mark.shared
def test_review_pages_for_a_folder_and_stdout(unspin, seeds_dir, tmp_path):
    clean = seed_path(seeds_dir, "000")
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "clean.txt").write_bytes(clean.read_bytes())
    (tmp_path / "in" / "sub" / "spun.txt").write_bytes(spun_excerpt(seeds_dir))
    out = tmp_path / "pages"
    result = unspin("fix", str(tmp_path / "in"), "--format", "html", "-o", str(out), "--no-model")
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")) == ["clean.txt.html", "sub/spun.txt.html"]
    assert "No edits" in (out / "clean.txt.html").read_text(encoding="utf-8")
    assert 'class="e src-glossary"' in (out / "sub" / "spun.txt.html").read_text(encoding="utf-8")
    single = unspin("fix", str(clean), "--format", "html", "--no-model")
    assert single.returncode == 0 and single.stdout.startswith(b"<!doctype html>")


def test_review_usage_errors(unspin, tmp_path):
    (tmp_path / "a.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("y\n", encoding="utf-8")
    both = unspin("fix", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--format", "html")
    assert both.returncode == 2 and b"need -o FOLDER" in both.stderr
    in_place = unspin("fix", str(tmp_path / "a.txt"), "--format", "html", "--in-place")
    assert in_place.returncode == 2 and b"--in-place" in in_place.stderr
