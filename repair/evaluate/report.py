"""Render an evaluation report dict (``repair.evaluate.harness``) as Markdown and self-contained HTML.

Pure functions from dict to string: the CLI writes the files. Tables, diffs and the page
shell come from ``repair.evaluate.markup``, the embedded plots from ``repair.evaluate.plots``.
"""
from __future__ import annotations

import html

from repair.evaluate.markup import clip, diff_html, diff_markdown, fmt, fmt_ci, fmt_delta, page, table_html, table_md
from repair.evaluate.plots import (figure_png, plot_categories, plot_detection, plot_distribution, plot_kinds, plot_reliability,
                                   plot_seeds)


# ---------------------------------------------------------------- pairs report: tables


def headline_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Metric rows: one column per system, then the paired differences."""
    systems = list(report["systems"])
    differences = report.get("differences", {})
    header = ["metric", *systems, *(f"Δ {name}" for name in differences)]
    rows = []
    first = report["systems"][systems[0]]["metrics"]
    for key in first:
        row = [first[key]["signature"].split("|")[0] + ("" if first[key]["higher_is_better"] else " ↓")]
        for name in systems:
            entry = report["systems"][name]["metrics"][key]
            row.append(fmt(entry["score"]) + fmt_ci(entry["ci"]))
        row += [fmt_delta(differences[name].get(key)) for name in differences]
        rows.append(row)
    return header, rows


def detection_rows(report: dict) -> list[list[str]]:
    rows = []
    for name, entry in report.get("detection", {}).items():
        word = entry["word"]
        rows.append([name, fmt(word["precision"]), fmt(word["recall"]), fmt(word["f1"]),
                     fmt(entry["passage_roc_auc"], 3), str(entry["passages_flagged"])])
    return rows


DETECTION_HEADER = ["system", "word precision", "word recall", "word F1", "passage ROC-AUC", "passages flagged"]


def reliability_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """The reliability table: one row per confidence bin; edits, mean confidence, share right per system."""
    calibration = report.get("calibration", {})
    systems = list(calibration)
    header = ["confidence", *(f"{column} {name}" for name in systems for column in ("edits", "conf.", "right"))]
    rows = []
    for index, first in enumerate(calibration[systems[0]]["bins"] if systems else []):
        row = [f"{first['low']:.1f}-{first['high']:.1f}"]
        for name in systems:
            entry = calibration[name]["bins"][index]
            row += [str(entry["edits"]), fmt(entry["confidence"], 3), fmt(entry["right"], 3)]
        rows.append(row)
    return header, rows


def calibration_lines(report: dict) -> list[str]:
    """ECE per system, then per edit source."""
    lines = []
    for name, entry in report.get("calibration", {}).items():
        sources = "; ".join(f"{source} {s['edits']} edits, {100 * s['right']:.1f}% right at mean confidence "
                            f"{s['confidence']:.3f}, ECE {fmt(s['ece'], 3)}" for source, s in entry["by_source"].items())
        lines.append(f"{name}: ECE {fmt(entry['ece'], 3)} over {entry['edits']} edits ({entry['binning']}); {sources}.")
    return lines


CALIBRATION_NOTE = ("An edit at confidence 0.8 should be right 8 times in 10: each edit is judged alone against the "
                    "reference (definition of ece below).")


def category_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    systems = list(report["systems"])
    header = ["category", "pairs", *(f"chrF {s}" for s in systems), *(f"editF0.5 {s}" for s in systems)]
    rows = [
        [name, str(entry["pairs"]), *(fmt(entry["chrf"][s]) for s in systems), *(fmt(entry["edit_f05"][s]) for s in systems)]
        for name, entry in report.get("categories", {}).items()
    ]
    return header, rows


def kind_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Restoration per substitution kind, then over seen vs held-out substitution types."""
    systems = list(report["systems"])
    header = ["substitution kind", "spans", *(f"restored % {s}" for s in systems)]
    groups = list(report.get("kinds", {}).items()) + [(f"[{k}]", v) for k, v in report.get("held_out", {}).items()]
    rows = [[kind, str(entry["spans"]), *(fmt(entry["restoration"].get(s)) for s in systems)] for kind, entry in groups]
    return header, rows


def throughput_rows(report: dict) -> list[list[str]]:
    # do-nothing does no work; its "speed" would only measure the harness.
    return [
        [name, fmt(entry["wall_s"]), fmt(entry["words_per_s"], 0)]
        for name, entry in report["systems"].items()
        if name != "do-nothing"
    ]


def signature_lines(report: dict) -> list[tuple[str, str]]:
    first = next(iter(report["systems"].values()))["metrics"]
    lines = [(key, entry["signature"]) for key, entry in first.items()]
    lines += [(f"detection ({name})", entry["word"]["signature"]) for name, entry in report.get("detection", {}).items()]
    return lines


def summary_line(report: dict) -> str:
    """One sentence with the numbers a reader wants first."""
    systems = report["systems"]
    if "system" not in systems:
        return ""
    metrics = systems["system"]["metrics"]
    parts = []
    if "restoration" in metrics:
        text = f"The system restores {metrics['restoration']['score']:.1f}% of substituted spans exactly"
        if "glossary-only" in systems:
            text += f" (glossary-only {systems['glossary-only']['metrics']['restoration']['score']:.1f}%)"
        parts.append(text)
    if "damage" in metrics:
        parts.append(f"changes {metrics['damage']['score']:.2f}% of words that were already right")
    if "chrf" in metrics and "do-nothing" in systems:
        gain = metrics["chrf"]["score"] - systems["do-nothing"]["metrics"]["chrf"]["score"]
        parts.append(f"moves chrF by {gain:+.2f} over leaving the text alone")
    detection = report.get("detection", {}).get("system")
    if detection and detection["passage_roc_auc"] is not None:
        parts.append(f"and separates changed from unchanged passages with ROC-AUC {detection['passage_roc_auc']:.3f}")
    return ", ".join(parts) + "." if parts else ""


THROUGHPUT_NOTE = "Wall time of each system's repair calls only; glossary-only skips the detector."


def context_line(report: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(report.get("context", {}).items()))


# ---------------------------------------------------------------- pairs report: documents


def pairs_markdown(report: dict) -> str:
    lines = [f"# Unspin evaluation: {report['suite']}", ""]
    lines.append(f"{report['pairs']} pairs ({report['changed_pairs']} with changes), {report['source_words']} source words; "
                 f"{context_line(report)}.")
    lines += ["", summary_line(report)]
    lines += ["", "## Scores", "", "95% bootstrap intervals in brackets; Δ = system minus baseline (paired bootstrap, "
              "p = share of resamples where the system is not better). ↓ = lower is better.", ""]
    lines += table_md(*headline_rows(report))
    if report.get("detection"):
        lines += ["", "## Detection", ""] + table_md(DETECTION_HEADER, detection_rows(report))
    if report.get("calibration"):
        lines += ["", "## Calibration of edit confidence", "", CALIBRATION_NOTE, ""]
        lines += [f"- {line}" for line in calibration_lines(report)] + [""] + table_md(*reliability_rows(report))
    lines += ["", "## By category", ""] + table_md(*category_rows(report))
    if report.get("kinds"):
        lines += [""] + table_md(*kind_rows(report))
    lines += ["", "## Throughput", "", THROUGHPUT_NOTE, ""] + table_md(["system", "wall s", "words/s"], throughput_rows(report))
    lines += ["", "## Definitions", ""] + [f"- **{key}**: {text}" for key, text in report["definitions"].items()]
    lines += ["", "## Signatures", ""] + [f"- {key}: `{sig}`" for key, sig in signature_lines(report)]
    if report.get("worst"):
        lines += ["", "## Worst examples", "", "`[-removed-]{+inserted+}`; output = source→system, reference = source→reference.", ""]
        for record in report["worst"]:
            lines += [f"### {record['id']} ({record['category']}, chrF gain {record['chrf_gain']:+.1f})", "",
                      f"- output: {clip(diff_markdown(record['source'], record['hypothesis']))}",
                      f"- reference: {clip(diff_markdown(record['source'], record['reference']))}", ""]
    return "\n".join(lines).rstrip() + "\n"


def definitions_html(report: dict) -> str:
    items = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in report["definitions"].items())
    return f"<h2>Definitions</h2><ul>{items}</ul>"


def pairs_html(report: dict) -> str:
    threshold = float(report.get("context", {}).get("threshold", 0.5))
    parts = [f"<h1>Unspin evaluation: {html.escape(report['suite'])}</h1>",
             f"<p class=muted>{report['pairs']} pairs ({report['changed_pairs']} with changes), "
             f"{report['source_words']} source words; {html.escape(context_line(report))}</p>",
             f"<p>{html.escape(summary_line(report))}</p>",
             "<h2>Scores</h2><p class=muted>95% bootstrap intervals in brackets; Δ = system minus baseline "
             "(paired bootstrap). ↓ = lower is better.</p>", table_html(*headline_rows(report)),
             f"<img alt='score distribution' src='{figure_png(plot_distribution(report), (9, 3.6))}'>"]
    if report.get("detection"):
        parts += ["<h2>Detection</h2>", table_html(DETECTION_HEADER, detection_rows(report)),
                  f"<img alt='detection curves' src='{figure_png(plot_detection(report, threshold), (9, 3.6))}'>"]
    if report.get("calibration"):
        parts += ["<h2>Calibration of edit confidence</h2>", f"<p class=muted>{html.escape(CALIBRATION_NOTE)}</p>",
                  "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in calibration_lines(report)) + "</ul>",
                  table_html(*reliability_rows(report)),
                  f"<img alt='reliability diagram' src='{figure_png(plot_reliability(report), (6.4, 4.2))}'>"]
    parts += ["<h2>By category</h2>", table_html(*category_rows(report))]
    if report.get("kinds"):
        parts.append(table_html(*kind_rows(report)))
    parts.append(f"<img alt='per-category gains' src='{figure_png(plot_categories(report))}'>")
    if report.get("kinds"):
        height = 1.2 + 0.3 * (len(report["kinds"]) + len(report.get("held_out", {})))
        parts.append(f"<img alt='restoration by kind' src='{figure_png(plot_kinds(report), (6.4, height))}'>")
    parts += ["<h2>Throughput</h2>", f"<p class=muted>{THROUGHPUT_NOTE}</p>",
              table_html(["system", "wall s", "words/s"], throughput_rows(report))]
    parts.append(definitions_html(report))
    signatures = "".join(f"<li>{html.escape(k)}: <code>{html.escape(s)}</code></li>" for k, s in signature_lines(report))
    parts.append(f"<h2>Signatures</h2><ul>{signatures}</ul>")
    if report.get("worst"):
        parts.append("<h2>Worst examples</h2><p class=muted>Ranked by chrF gain over the source (most harmful or least helpful first).</p>")
        for record in report["worst"]:
            parts.append(
                f"<div class=example><b>{html.escape(record['id'])}</b> <span class=muted>{html.escape(record['category'])}, "
                f"chrF gain {record['chrf_gain']:+.1f}</span>"
                f"<p><b>output</b>: {diff_html(clip(record['source']), clip(record['hypothesis']))}</p>"
                f"<p><b>reference</b>: {diff_html(clip(record['source']), clip(record['reference']))}</p></div>"
            )
    return page(f"Unspin evaluation: {report['suite']}", "".join(parts))


# ---------------------------------------------------------------- seeds report


def seed_rows(report: dict) -> list[list[str]]:
    rows = []
    for entry in report["seeds"]:
        checks = ", ".join(f"{name} {'ok' if ok else 'FAIL'}" for name, ok in entry["checks"].items()) or "(report only)"
        rows.append([entry["id"], entry["role"], str(entry["words"]), fmt(entry["score"], 3), "yes" if entry["spun"] else "no",
                     str(entry["spans"]), str(entry["edits"]), str(entry["glossary_only_edits"]),
                     "yes" if entry["unchanged"] else "no", checks])
    return rows


SEED_HEADER = ["seed", "role", "words", "score", "flagged", "spans", "edits", "glossary-only edits", "unchanged", "checks"]


def substitution_lines(report: dict) -> list[str]:
    lines = []
    for entry in report["seeds"]:
        subs = entry.get("substitutions")
        if subs:
            lines.append(f"seed {entry['id']}: of {subs['occurrences']} occurrences of {subs['listed']} hand-listed substitutions "
                         f"(estimated {subs.get('listed_count', '?')} in the text) "
                         f"from seeds/{entry['id']}_substitutions.tsv, {subs['flagged']} flagged ({subs['flagged_rate']:.1f}%) "
                         f"and {subs['restored']} restored ({subs['restored_rate']:.1f}%).")
    return lines


def seeds_markdown(report: dict) -> str:
    verdict = "all checks pass" if report["passed"] else "SOME CHECKS FAIL"
    lines = ["# Unspin evaluation: seed documents", "",
             f"{verdict}; passage ROC-AUC {fmt(report['passage_roc_auc'], 3)}; {report['source_words']} words at "
             f"{fmt(report['words_per_s'], 0)} words/s; {context_line(report)}.", ""]
    lines += table_md(SEED_HEADER, seed_rows(report))
    lines += [""] + substitution_lines(report)
    lines += ["", "## Edits", ""]
    for entry in report["seeds"]:
        if entry["edit_list"]:
            lines.append(f"- {entry['id']}: " + "; ".join(f"{e['old']} → {e['new']} ({e['source']})" for e in entry["edit_list"]))
    lines += ["", "## Definitions", ""] + [f"- **{k}**: {v}" for k, v in report["definitions"].items()]
    return "\n".join(lines).rstrip() + "\n"


def seeds_html(report: dict) -> str:
    verdict = "<span class=pass>all checks pass</span>" if report["passed"] else "<span class=fail>some checks fail</span>"
    parts = ["<h1>Unspin evaluation: seed documents</h1>",
             f"<p>{verdict}; passage ROC-AUC {fmt(report['passage_roc_auc'], 3)}; {report['source_words']} words at "
             f"{fmt(report['words_per_s'], 0)} words/s</p><p class=muted>{html.escape(context_line(report))}</p>",
             table_html(SEED_HEADER, seed_rows(report)),
             "".join(f"<p>{html.escape(line)}</p>" for line in substitution_lines(report)),
             f"<img alt='seed scores' src='{figure_png(plot_seeds(report))}'>", "<h2>Edits</h2>"]
    for entry in report["seeds"]:
        if entry["edit_list"]:
            items = "".join(f"<li><del>{html.escape(e['old'])}</del> → <ins>{html.escape(e['new'])}</ins> "
                            f"<span class=muted>{e['source']} {e['confidence']}</span></li>" for e in entry["edit_list"])
            parts.append(f"<h3>{html.escape(entry['id'])}</h3><ul>{items}</ul>")
    parts.append(definitions_html(report))
    return page("Unspin evaluation: seeds", "".join(parts))


# ---------------------------------------------------------------- compare report


def compare_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    a, b = report["runs"]
    header = ["metric", a, b, f"Δ {a} - {b} [95% CI]", "p"]
    rows = [[key + ("" if e["higher_is_better"] else " ↓"), fmt(e[a]), fmt(e[b]), f"{e['delta']:+.2f}{fmt_ci(e['ci'])}",
             fmt(e["p_value"], 3)] for key, e in report["metrics"].items()]
    return header, rows


def run_context_line(context: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(context.items())) or "(no report.json)"


def compare_markdown(report: dict) -> str:
    a, b = report["runs"]
    lines = [f"# Unspin comparison: {a} vs {b}", "", f"{report['pairs']} pairs, paired bootstrap ({context_line(report)}); "
             f"p = share of resamples where {a} is not better than {b}.", ""]
    lines += table_md(*compare_rows(report))
    lines += ["", "## Runs", ""] + [f"- {label}: {run_context_line(ctx)}" for label, ctx in report.get("run_contexts", {}).items()]
    lines += ["", "## Definitions", ""] + [f"- **{k}**: {v}" for k, v in report["definitions"].items()]
    return "\n".join(lines) + "\n"


def compare_html(report: dict) -> str:
    a, b = report["runs"]
    parts = [f"<h1>Unspin comparison: {html.escape(a)} vs {html.escape(b)}</h1>",
             f"<p class=muted>{report['pairs']} pairs, paired bootstrap; {html.escape(context_line(report))}</p>",
             table_html(*compare_rows(report)),
             "<h2>Runs</h2><ul>" + "".join(f"<li>{html.escape(label)}: {html.escape(run_context_line(ctx))}</li>"
                                           for label, ctx in report.get("run_contexts", {}).items()) + "</ul>",
             definitions_html(report)]
    return page("Unspin comparison", "".join(parts))


RENDERERS = {
    "pairs": (pairs_markdown, pairs_html),
    "seeds": (seeds_markdown, seeds_html),
    "compare": (compare_markdown, compare_html),
}


def render(report: dict) -> tuple[str, str]:
    """(Markdown, HTML) for any report kind."""
    kind = report.get("kind")
    if kind not in RENDERERS:
        raise ValueError(f"unknown report kind {kind!r}; choose from {sorted(RENDERERS)}")
    markdown, page_html = RENDERERS[kind]
    return markdown(report), page_html(report)
