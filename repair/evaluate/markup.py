"""Text building blocks of the reports: number formats, word diffs, tables and the HTML page."""
from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence

DIFF_TOKEN_RE = re.compile(r"\w+(?:['’\-]\w+)*|\s+|[^\w\s]")
WORST_CHARS = 1200  # longer examples are cut in the report, the full text is in report.json


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def fmt_ci(ci: Sequence[float] | None, digits: int = 2) -> str:
    return "" if not ci else f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def fmt_delta(entry: dict | None) -> str:
    if not entry:
        return ""
    p = entry.get("p_value")
    return f"{entry['delta']:+.2f}{fmt_ci(entry.get('ci'))}" + ("" if p is None else f" p={p:.3f}")


def diff_ops(old: str, new: str) -> list[tuple[str, str, str]]:
    """Word-level diff as (tag, old_text, new_text) chunks; whitespace kept, so chunks rejoin."""
    a, b = DIFF_TOKEN_RE.findall(old), DIFF_TOKEN_RE.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [(tag, "".join(a[i1:i2]), "".join(b[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def diff_markdown(old: str, new: str) -> str:
    """wdiff-style ``[-old-]{+new+}`` markup."""
    parts = []
    for tag, a, b in diff_ops(old, new):
        if tag == "equal":
            parts.append(a)
            continue
        if a:
            parts.append(f"[-{a}-]")
        if b:
            parts.append(f"{{+{b}+}}")
    return "".join(parts)


def diff_html(old: str, new: str) -> str:
    """Removed words struck through in red, inserted words in green."""
    parts = []
    for tag, a, b in diff_ops(old, new):
        if tag == "equal":
            parts.append(html.escape(a))
            continue
        if a:
            parts.append(f"<del>{html.escape(a)}</del>")
        if b:
            parts.append(f"<ins>{html.escape(b)}</ins>")
    return "".join(parts)


def clip(text: str, limit: int = WORST_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def table_md(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def table_html(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1300px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.muted{color:#666;font-size:.9em}code{font-size:.85em;background:#f6f6f6;padding:0 .2em}
del{background:#fdd;color:#a00}ins{background:#dfd;color:#060;text-decoration:none}
.example{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.example p{margin:.3em 0;white-space:normal}.pass{color:#060;font-weight:bold}.fail{color:#a00;font-weight:bold}
img{max-width:100%}
"""


def page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")


def definitions_html(report: dict) -> str:
    items = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in report["definitions"].items())
    return f"<h2>Definitions</h2><ul>{items}</ul>"
