"""Rendering reports (repair/evaluate/report.py): Markdown tables, self-contained HTML, a real browser.

The pairs report is built and rendered once per module (rendering draws four plots)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from matplotlib.image import imread

from repair import evaluate as ev
from repair.cli.evaluate import write_outputs
from repair.evaluate import report as rp
from repair.results import DetectionReport, Span
from tests.evaluate.test_pairs import substitution

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class FixMentioned:
    """A stand-in system: turns "mentioned" into "said" and flags it."""

    def run(self, batch):
        outputs = []
        for pair in batch:
            spans = tuple(Span(m.start(), m.end(), "mentioned", 0.9) for m in re.finditer("mentioned", pair.source))
            score = 0.9 if spans else 0.1
            outputs.append(ev.SystemOutput(pair.source.replace("mentioned", "said"),
                                           DetectionReport(score=score, spun=score >= 0.5, spans=spans)))
        return outputs


def make_pairs(copies: int) -> list[ev.Pair]:
    first = ("He mentioned the final plan.", "He said the last plan.")
    second = ("They mentioned a <deal>.", "They said a <deal>.")
    base = [
        (*first, "spin", (substitution(*first, "mentioned", "said", "wordnet"), substitution(*first, "final", "last", "phrase"))),
        (*second, "spin", (substitution(*second, "mentioned", "said", "wordnet"),)),
        ("Nothing changed here.", "Nothing changed here.", "none", ()),
    ]
    return [ev.Pair(f"{n}#{i}", s, r, None, c, subs) for i in range(copies) for n, (s, r, c, subs) in enumerate(base)]


CONTEXT = {"detector": "cascade", "restorer": "seq2seq", "models": "abc12345", "threshold": "0.5"}


@pytest.fixture(scope="module")
def pairs_report() -> dict:
    systems = {ev.SYSTEM: FixMentioned(), ev.DO_NOTHING: ev.DoNothing()}
    return ev.evaluate(make_pairs(copies=4), systems, suite="tiny", context=CONTEXT, config=ev.EvalConfig(bootstrap=50)).report


@pytest.fixture(scope="module")
def written(pairs_report, tmp_path_factory) -> Path:
    """The pairs report written as `unspin eval --out` writes it (rendered once for the module)."""
    folder = tmp_path_factory.mktemp("report")
    write_outputs(pairs_report, str(folder))
    return folder


@pytest.fixture(scope="module")
def rendered(written) -> tuple[str, str]:
    return (written / "report.md").read_text(encoding="utf-8"), (written / "report.html").read_text(encoding="utf-8")


def seeds_report() -> dict:
    return {
        "kind": "seeds", "version": "0.1", "suite": "seeds", "context": {"threshold": "0.5"},
        "definitions": dict(ev.SEED_CHECKS), "passed": False, "passage_roc_auc": 1.0, "source_words": 12,
        "wall_s": 0.1, "words_per_s": 120.0,
        "seeds": [
            {"id": "000", "role": "clean", "words": 5, "score": 0.1, "spun": False, "spans": 0, "edits": 0,
             "unchanged": True, "glossary_only_edits": 0, "edit_list": [], "wall_s": 0.05,
             "checks": {"unchanged": True, "not_flagged": True}},
            {"id": "003", "role": "spun", "words": 7, "score": 0.4, "spun": False, "spans": 1, "edits": 1,
             "unchanged": False, "glossary_only_edits": 1, "wall_s": 0.05,
             "edit_list": [{"old": "Safety Group", "new": "Security Organization", "source": "glossary", "confidence": 0.9}],
             "substitutions": {"listed": 2, "occurrences": 3, "flagged": 1, "restored": 1, "flagged_rate": 33.3, "restored_rate": 33.3},
             "checks": {"flagged": False, "changed": True}},
        ],
    }


def test_pairs_markdown_has_every_section(rendered):
    markdown = rendered[0]
    for heading in ("## Scores", "## Detection", "## By category", "## Throughput", "## Definitions", "## Signatures", "## Worst examples"):
        assert heading in markdown
    assert "| editF0.5 |" in markdown
    assert f"`editF0.5|detector:cascade|restorer:seq2seq|models:abc12345|threshold:0.5|version:{ev.VERSION}`" in markdown
    assert "detector cascade, models abc12345, restorer seq2seq, seed 12345, threshold 0.5." in markdown
    assert "[-final-]{+last+}" in markdown
    # 3 reference edits per copy (mentioned, final, mentioned); the stand-in fixes the two "mentioned".
    assert "The system restores 66.7% of substituted spans exactly, changes 0.00% of words" in markdown


def test_pairs_html_embeds_plots(rendered):
    page = rendered[1]
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("src='data:image/png;base64,") == 4
    assert "<del>final</del><ins>last</ins>" in page


def test_seeds_and_compare_render():
    markdown, page = rp.render(seeds_report())
    assert "SOME CHECKS FAIL" in markdown and "flagged FAIL" in markdown
    assert "Safety Group → Security Organization" in markdown
    assert "1 flagged (33.3%)" in markdown
    assert "data:image/png;base64," in page
    compare = {"kind": "compare", "runs": ["a", "b"], "pairs": 3, "context": {}, "definitions": {},
               "metrics": {"chrf": {"a": 50.0, "b": 40.0, "delta": 10.0, "ci": [5.0, 15.0], "p_value": 0.01, "higher_is_better": True}}}
    assert "| chrf | 50.00 | 40.00 | +10.00 [5.00, 15.00] | 0.010 |" in rp.render(compare)[0]


def test_unknown_report_kind():
    with pytest.raises(ValueError, match="unknown report kind 'x'"):
        rp.render({"kind": "x"})


def test_written_report_files(pairs_report, written):
    assert json.loads((written / "report.json").read_text(encoding="utf-8")) == json.loads(json.dumps(pairs_report))
    assert list(pairs_report["systems"]["system"]["metrics"]) == ["bleu", "chrf", "ter", "edit_p", "edit_r", "edit_f05", "restoration", "damage"]
    assert {p.name for p in written.iterdir() if p.is_file()} == {"report.json", "report.md", "report.html"}


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def screenshot(page: Path, png: Path) -> None:
    """Headless Chromium screenshot of a local HTML file (no network, throwaway profile)."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1200,2400",
             f"--screenshot={png}", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium) for the screenshot")
def test_html_renders_in_headless_chromium(written, tmp_path):
    png = tmp_path / "report.png"
    screenshot(written / "report.html", png)
    pixels = imread(png)
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1000
    # A blank or broken page is one colour; tables, plots and diffs give many.
    colours = {tuple(row) for row in pixels[::7, ::7, :3].reshape(-1, 3).round(2)}
    assert len(colours) > 50
