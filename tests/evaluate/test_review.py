"""The review page (repair/evaluate/review.py): escaping, highlights by source, header, a real browser."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.image import imread

from repair.evaluate.review import SOURCE_COLOURS, render_review
from repair.merge.edits import apply_edits
from repair.results import DetectionReport, Edit, MapEntry, RepairResult, Span
from tests.evaluate.test_report import find_chromium, screenshot

TEXT = "The overseas minister mentioned <b>&</b> that \"safety\" forces were there.\nThe minister mentioned it again."


def edits_of(text: str) -> tuple[Edit, ...]:
    def at(old: str, new: str, source: str, nth: int = 0, **more) -> Edit:
        start = [m.start() for m in re.finditer(re.escape(old), text)][nth]
        return Edit(start, start + len(old), old, new, source, 0.83, **more)

    return (
        at("overseas", "foreign", "glossary", reason="glossary term 'foreign minister'"),
        at("mentioned", "said", "model", alternatives=("stated", "mentioned"), reason="decoder+pairs prefer 'said' (p=0.83)"),
        at('"safety"', '"security"', "lexicon"),
        at("mentioned", "said", "document", nth=1),
    )


def result_for(text: str = TEXT) -> RepairResult:
    edits = edits_of(text)
    spans = (Span(text.index("forces"), text.index("forces") + 6, "forces", 0.7, "rare here"),)
    detection = DetectionReport(score=0.97, spun=True, spans=spans, words=17)
    return RepairResult(apply_edits(text, edits), edits, detection, (MapEntry("mentioned", "said", 2, 0.91),))


class Collect(HTMLParser):
    """Tags, attributes and text of a page (the page must parse; scripts and external links are counted)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Collect:
    collected = Collect()
    collected.feed(page)
    return collected


def test_every_edit_highlighted_with_its_source_focusable_and_explained():
    page = render_review(TEXT, result_for(), title="a.txt")
    spans = [a for tag, a in parse(page).tags if tag == "span" and "e" in a.get("class", "").split()]
    assert [a["class"] for a in spans] == ["e src-glossary", "e src-model", "e src-lexicon", "e src-document"]
    assert all(a["tabindex"] == "0" for a in spans)
    model = spans[1]["title"]
    assert "mentioned -> said" in model and "0.83" in model and "stated, mentioned" in model and "decoder+pairs" in model
    assert "glossary term 'foreign minister'" in spans[0]["title"]
    assert spans[3]["title"].endswith("repeat of a confident replacement elsewhere in this document")


def test_input_is_escaped_and_page_is_self_contained():
    page = render_review(TEXT, result_for(), title="<script>alert(1)</script>")
    assert "<b>&</b>" not in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    tags = parse(page).tags
    assert not [a for _, a in tags if any(v and re.match(r"(https?:)?//", v) for k, v in a.items() if k in ("src", "href"))]
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in tags
    assert not any(tag in ("link", "img", "iframe") for tag, _ in tags)


def test_shown_text_is_the_input_with_the_new_wording():
    collected = parse(render_review(TEXT, result_for(), title="a.txt"))
    assert "foreign" in collected.text and "said" in collected.text and "forces" in collected.text


def test_header_score_risk_map_and_counts():
    page = render_review(TEXT, result_for(), title="a.txt")
    header = page[page.index("<header>") : page.index("</header>")]
    assert "0.97" in header and ">high<" in header and "mentioned -&gt; said x2, 0.91" in header
    assert "17</b> words" in header and "1</b> flagged spans" in header and "4</b> edits" in header
    for source in SOURCE_COLOURS:
        assert SOURCE_COLOURS[source] in header
    assert re.search(r"seq2seq model <b>1</b>", header) and re.search(r"glossary <b>1</b>", header)
    assert re.search(r"archived original <b>0</b>", header)


@pytest.mark.parametrize("text", ["", "Nothing to see here.\n"])
def test_zero_edits(text):
    result = RepairResult(text, (), DetectionReport(score=0.02, spun=False, words=len(text.split())))
    page = render_review(text, result, title="clean.txt")
    assert ">clean<" in page and "No edits" in page and "none inferred" in page and 'class="e ' not in page
    assert render_review(text, RepairResult(text), title="x").startswith("<!doctype html>")  # no detection at all


def test_flagged_span_left_as_is_is_marked():
    page = render_review(TEXT, result_for(), title="a.txt")
    assert '<span class="flag" title="flagged 0.70: rare here">forces</span>' in page


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium) for the screenshot")
def test_review_page_renders_in_headless_chromium(tmp_path):
    paragraphs = "\n\n".join([TEXT] * 12)
    html = tmp_path / "review.html"
    html.write_text(render_review(paragraphs, result_for(paragraphs), title="many.txt"), encoding="utf-8")
    png = tmp_path / "review.png"
    screenshot(html, png)
    pixels = imread(png)
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1000
    colours = {tuple(row) for row in pixels[::5, ::5, :3].reshape(-1, 3).round(2)}
    assert len(colours) > 30  # text, highlights in several colours, the risk badge
