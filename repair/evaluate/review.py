"""The review page: one self-contained HTML file showing what a repair changed, why, and how sure it is.

``render_review(text, result, title=...)`` is pure: the input text, its ``RepairResult`` in, a page
out. The page has inline CSS and no script: every edit is a focusable ``<span>`` (tabindex) whose
details (old -> new, source, confidence, alternatives, reason) open on ``:hover`` or
``:focus-within`` and are repeated in its ``title`` and in the table of edits at the end (a
``<details>``), so nothing depends on JavaScript or a mouse. On a narrow screen the details of the
focused edit open as a sheet along the bottom of the screen. Every piece of input is escaped.
"""
from __future__ import annotations

import re
from collections import Counter
from html import escape

from repair.results import Edit, RepairResult, Span
from repair.risk import span_density

# One colour per edit source (the legend, the highlights and the table use the same).
SOURCE_COLOURS = {
    "model": "#2563eb",
    "glossary": "#15803d",
    "lexicon": "#7c3aed",
    "archive": "#c2410c",
    "document": "#ca8a04",
    "phrases": "#be185d",
}
SOURCE_NAMES = {
    "model": "seq2seq model",
    "glossary": "glossary",
    "lexicon": "corpus lexicon",
    "archive": "archived original",
    "document": "document's own map",
    "phrases": "your phrase list",
}
# What an edit says about itself when its stage gave no reason.
DEFAULT_REASONS = {
    "model": "restorer model",
    "glossary": "glossary term",
    "lexicon": "the corpus's usual original of this phrase",
    "archive": "the traced original in the archive",
    "document": "repeat of a confident replacement elsewhere in this document",
    "phrases": "a phrase on your list",
}
RISK_COLOURS = {"clean": "#15803d", "low": "#4b5563", "suspicious": "#b45309", "high": "#b91c1c"}
MAP_SHOWN = 12  # substitution-map entries shown before the rest fold away
# A line break between two lines of text (a paragraph break in a one-paragraph-per-line file)
# gets a little space after it; blank lines already separate paragraphs by themselves.
LINE_BREAK_RE = re.compile(r"(?<![\r\n])(\r?\n)(?![\r\n])")

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;background:#f9fafb}
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem 1.25rem}
header{background:#fff;border-bottom:1px solid #e5e7eb}
h1{font-size:1.25rem;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1rem;margin:1rem 0 .4rem}
.facts{display:flex;flex-wrap:wrap;gap:.4rem 1.25rem;margin:0;padding:0;list-style:none}
.facts b{font-variant-numeric:tabular-nums}
.risk{display:inline-block;padding:0 .55rem;border-radius:1rem;color:#fff;font-weight:600;text-transform:uppercase;font-size:.8rem;letter-spacing:.04em}
.legend{display:flex;flex-wrap:wrap;gap:.3rem .9rem;margin:.6rem 0 0;padding:0;list-style:none;font-size:.9rem}
.sw{display:inline-block;width:.9rem;height:.9rem;border-radius:.2rem;vertical-align:-.1rem;margin-right:.3rem}
.map{columns:16rem;column-gap:1.5rem;margin:.2rem 0;padding-left:1.2rem;font-size:.9rem}
.map li{break-inside:avoid}
details>summary{cursor:pointer;color:#374151}
.toggle{font-size:.9rem;margin:.6rem 0 0}
main .text{white-space:pre-wrap;overflow-wrap:break-word;background:#fff;border:1px solid #e5e7eb;border-radius:.4rem;padding:1rem 1.1rem}
.e{position:relative;border-bottom:2px solid var(--c);background:color-mix(in srgb,var(--c) 18%,transparent);border-radius:.15rem;cursor:help}
.e:focus{outline:2px solid var(--c);outline-offset:1px}
.e del{display:none;color:#6b7280}
body:has(#old:checked) .e del{display:inline}
body:has(#old:checked) .e del::after{content:"\\2192";text-decoration:none;display:inline-block;padding:0 .25rem}
.gap{display:block;height:.55em}
.flag{text-decoration:underline dotted #9ca3af 2px;text-underline-offset:3px}
.tip{display:none;position:absolute;z-index:2;left:0;top:calc(100% + 4px);width:max-content;max-width:min(24rem,86vw);
 white-space:normal;background:#111827;color:#f9fafb;font-size:.85rem;line-height:1.45;padding:.55rem .7rem;border-radius:.4rem;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.tip b{color:#fff}.tip .k{color:#9ca3af}
.e:hover>.tip,.e:focus-within>.tip{display:block}
table{border-collapse:collapse;width:100%;font-size:.9rem;background:#fff}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
td.n{font-variant-numeric:tabular-nums;text-align:right}
.tablewrap{overflow-x:auto}
footer{color:#6b7280;font-size:.85rem}
@media (max-width:700px){
 body{font-size:17px}
 header,main,footer{padding:.75rem .8rem}
 main .text{padding:.75rem .8rem}
 .e:hover>.tip{display:none}
 .e:focus-within>.tip{display:block;position:fixed;left:.5rem;right:.5rem;bottom:.5rem;top:auto;width:auto;max-width:none}
}
"""


def render_review(text: str, result: RepairResult, *, title: str = "review") -> str:
    """The review page for one document.

    Args:
        text: the input text (every edit's and span's offsets index it).
        result: its repair (``Repairer.repair``): edits, detection, substitution map.
        title: what the page is about (usually the file name).

    Returns:
        A complete HTML document (str).
    """
    edits = sorted(result.edits, key=lambda e: (e.start, e.end))
    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Unspin review: {escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        header(result, edits, title),
        "<main>",
        f'<div class="text" aria-label="text with edits">{body(text, edits, detection_spans(result))}</div>',
        edit_table(edits),
        "</main>",
        "<footer>Unspin review page. Hover, tap or <kbd>Tab</kbd> to an edit for its details; "
        "the table lists them all. Offsets are characters of the input.</footer>",
        "</body></html>",
        "",
    ])


def detection_spans(result: RepairResult) -> list[Span]:
    return sorted(result.detection.spans, key=lambda s: s.start) if result.detection else []


def header(result: RepairResult, edits: list[Edit], title: str) -> str:
    """Title, score and risk, counts per source with the legend, the substitution map."""
    detection = result.detection
    facts = []
    if detection is not None:
        risk = detection.risk
        density = span_density(len(detection.spans), detection.words)
        facts += [
            f'<li>risk <span class="risk" style="background:{RISK_COLOURS[risk]}">{risk}</span></li>',
            f"<li>score <b>{detection.score:.2f}</b> (spun at {detection.threshold:.2f})</li>",
            f"<li><b>{detection.words:,}</b> words</li>",
            f"<li><b>{len(detection.spans)}</b> flagged spans ({density:.1f} per 100 words)</li>",
        ]
    facts.append(f"<li><b>{len(edits)}</b> edits</li>")
    counts = Counter(e.source for e in edits)
    legend = "".join(
        f'<li><span class="sw" style="background:{colour}"></span>{escape(SOURCE_NAMES[source])} <b>{counts.get(source, 0)}</b></li>'
        for source, colour in SOURCE_COLOURS.items()
    )
    return (f"<header><h1>Review: {escape(title)}</h1><ul class=\"facts\">{''.join(facts)}</ul>"
            f'<ul class="legend" aria-label="edit sources">{legend}'
            '<li><span class="flag">dotted</span>: flagged, left as is</li></ul>'
            '<p class="toggle"><label><input type="checkbox" id="old"> show the old wording before each edit</label></p>'
            f"{substitution_map(result)}</header>")


def substitution_map(result: RepairResult) -> str:
    """The document's inferred map, most frequent first; the tail folds into a <details>."""
    entries = sorted(result.substitution_map, key=lambda m: (-m.count, -m.confidence, m.old))
    if not entries:
        return "<h2>Substitution map</h2><p>none inferred</p>"
    items = [f"<li>{escape(str(entry))}</li>" for entry in entries]
    shown = f'<ol class="map">{"".join(items[:MAP_SHOWN])}</ol>'
    rest = (f'<details><summary>{len(items) - MAP_SHOWN} more</summary><ol class="map" start="{MAP_SHOWN + 1}">'
            f'{"".join(items[MAP_SHOWN:])}</ol></details>') if len(items) > MAP_SHOWN else ""
    return f"<h2>Substitution map ({len(entries)})</h2>{shown}{rest}"


def body(text: str, edits: list[Edit], spans: list[Span]) -> str:
    """The input with each edit shown as its new wording, highlighted; flagged spans left as is are dotted."""
    pieces, cursor = [], 0
    for number, edit in enumerate(edits, 1):
        if edit.start < cursor:  # overlapping edits never reach a result; never print text twice
            continue
        pieces.append(plain(text, cursor, edit.start, spans))
        pieces.append(edit_span(edit, number))
        cursor = edit.end
    pieces.append(plain(text, cursor, len(text), spans))
    return "".join(pieces)


def plain(text: str, start: int, end: int, spans: list[Span]) -> str:
    """Unedited text between two edits, with the flagged spans that lie wholly inside it marked."""
    pieces, cursor = [], start
    for span in spans:
        if span.start < cursor or span.end > end or span.start >= span.end:
            continue
        pieces.append(prose(text[cursor:span.start]))
        pieces.append(f'<span class="flag" title="flagged {span.score:.2f}{escape(": " + span.reason) if span.reason else ""}">'
                      f"{escape(text[span.start:span.end])}</span>")
        cursor = span.end
    pieces.append(prose(text[cursor:end]))
    return "".join(pieces)


def prose(text: str) -> str:
    """Escaped text; a single line break also gets a small vertical gap (the text itself is kept)."""
    return LINE_BREAK_RE.sub(r'\1<span class="gap" aria-hidden="true"></span>', escape(text))


def reason_of(edit: Edit) -> str:
    return edit.reason or DEFAULT_REASONS.get(edit.source, edit.source)


def edit_span(edit: Edit, number: int) -> str:
    """One edit: focusable, coloured by source, with its details in a tooltip and a title."""
    colour = SOURCE_COLOURS.get(edit.source, "#6b7280")
    alternatives = ", ".join(edit.alternatives) if edit.alternatives else "none recorded"
    summary = (f"#{number} {edit.old} -> {edit.new} | {edit.source} {edit.confidence:.2f} | "
               f"alternatives: {alternatives} | {reason_of(edit)}")
    tip = (f'<span class="tip" role="tooltip"><b>{escape(edit.old)}</b> \u2192 <b>{escape(edit.new)}</b><br>'
           f'<span class="k">source</span> {escape(SOURCE_NAMES.get(edit.source, edit.source))} '
           f'<span class="k">confidence</span> {edit.confidence:.2f}<br>'
           f'<span class="k">alternatives</span> {escape(alternatives)}<br>'
           f'<span class="k">reason</span> {escape(reason_of(edit))}</span>')
    return (f'<span class="e src-{escape(edit.source)}" style="--c:{colour}" tabindex="0" '
            f'data-start="{edit.start}" data-end="{edit.end}" title="{escape(summary)}">'
            f"<del>{escape(edit.old)}</del><ins>{escape(edit.new)}</ins>{tip}</span>")


def edit_table(edits: list[Edit]) -> str:
    """Every edit in a table (folded): the view that works anywhere, printing included."""
    if not edits:
        return "<p>No edits: the text is unchanged.</p>"
    rows = "".join(
        f'<tr><td class="n">{n}</td><td><span class="sw" style="background:{SOURCE_COLOURS.get(e.source, "#6b7280")}"></span>'
        f"{escape(e.source)}</td><td>{escape(e.old)}</td><td>{escape(e.new)}</td><td class=\"n\">{e.confidence:.2f}</td>"
        f"<td>{escape(', '.join(e.alternatives))}</td><td>{escape(reason_of(e))}</td></tr>"
        for n, e in enumerate(edits, 1)
    )
    return (f"<details><summary><h2 style=\"display:inline\">All {len(edits)} edits</h2></summary>"
            '<div class="tablewrap"><table><thead><tr><th>#</th><th>source</th><th>old</th><th>new</th>'
            f"<th>conf.</th><th>alternatives</th><th>reason</th></tr></thead><tbody>{rows}</tbody></table></div></details>")
