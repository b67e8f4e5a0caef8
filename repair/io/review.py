"""Inputs for the review page (``unspin fix --format html``): read one input, repair it whole, render its page.

The batch path (``repair.io.process``) keeps only what the outputs need; a review page needs the
whole ``RepairResult`` (alternatives, reasons, the substitution map), so each input is read and
repaired here, in the calling process. Formats with prose slices (text, Markdown, HTML, PDF) are
repaired slice by slice, as ``fix`` does, and shown whole; record formats (JSONL, CSV) have no
single text to show and are refused.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from repair.document.profile import substitution_map
from repair.errors import InputError
from repair.evaluate.review import render_review
from repair.io.files import Document, decode_bytes, read_document
from repair.io.formats import Format, format_for
from repair.io.inputs import STDIN, InputItem
from repair.io.options import BatchOptions
from repair.io.pdf import PDF, read_pdf
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport, RepairResult

PAGE_SUFFIX = ".html"


def review_result(repairer: Repairer, fmt: Format, text: str) -> RepairResult:
    """``Repairer.repair`` of the document's prose slices, offsets into the whole ``text``."""
    units = fmt.units(text)
    if any(unit.start is None for unit in units):
        raise InputError(f"a review page shows one text; {fmt.name} input holds records (use --format json)")
    if len(units) == 1 and units[0].start == 0 and units[0].text == text:
        return repairer.repair(text)
    results = repairer.repair_batch([unit.text for unit in units]) if units else []
    edits, spans, scores, words = [], [], [], 0
    for unit, result in zip(units, results):
        edits += [replace(e, start=e.start + unit.start, end=e.end + unit.start) for e in result.edits]
        if result.detection is not None:
            spans += [replace(s, start=s.start + unit.start, end=s.end + unit.start) for s in result.detection.spans]
            scores.append(result.detection.score)
            words += result.detection.words
    threshold = repairer.config.threshold
    score = max(scores, default=0.0)
    detection = DetectionReport(score=score, spun=score >= threshold, spans=tuple(spans), threshold=threshold, words=words)
    repaired = fmt.rebuild(text, units, [r.text for r in results])
    return RepairResult(repaired, tuple(edits), detection, substitution_map(edits))


def read_input(item: InputItem, options: BatchOptions, stdin: bytes | None = None) -> tuple[Document, Format]:
    """The decoded document (a PDF's text layer) and its format; unreadable inputs raise ``InputError``."""
    if item.error:
        raise InputError(item.error)
    fmt = format_for(item.path, options.input_format, options.field)
    if item.path == STDIN:
        return decode_bytes("<stdin>", stdin or b"", options.encoding), fmt
    path = Path(item.path)
    return (read_pdf(path) if fmt.name == PDF else read_document(path, options.encoding)), fmt


def review_page(repairer: Repairer, item: InputItem, options: BatchOptions, stdin: bytes | None = None) -> tuple[str, RepairResult]:
    """The page for one input and the result it shows."""
    document, fmt = read_input(item, options, stdin)
    result = review_result(repairer, fmt, document.text)
    title = "stdin" if item.path == STDIN else item.rel or Path(item.path).name
    return render_review(document.text, result, title=title), result


def page_path(item: InputItem, folder: Path) -> Path:
    """Where a page goes in an output folder: the input's relative path with ``.html`` appended."""
    return folder / (item.rel + PAGE_SUFFIX)
