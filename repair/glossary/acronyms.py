"""Document-level consistency: an acronym repaired once is repaired wherever it recurs.

The glossary fixes a garbled acronym only where the evidence sits beside it ("CSO (Collective
Security Treaty Organization" -> "CSTO"). Machine translation garbles the same acronym the same
way, or one letter differently, further down ("the troops of the CTO"), with no name beside
it. Once a document has shown which acronym it means, those later forms are read as that
acronym too. Only glossary repairs start this, so a document that was never garbled is never
touched, and only one-letter slips of the repaired acronym follow.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz.distance import OSA

from repair.results import Edit

ACRONYM_TOKEN_RE = re.compile(r"\b[A-Z]{2,8}\b")
# A repeat of a repair is as sure as the repair; a one-letter slip elsewhere a little less.
SLIP_CONFIDENCE_FACTOR = 0.9


def acronym_repairs(edits: Iterable[Edit]) -> dict[str, tuple[str, float]]:
    """Garbled acronym -> (repaired acronym, confidence), from the glossary's edits."""
    repairs: dict[str, tuple[str, float]] = {}
    for edit in edits:
        if edit.source == "glossary" and ACRONYM_TOKEN_RE.fullmatch(edit.old) and ACRONYM_TOKEN_RE.fullmatch(edit.new):
            if edit.old not in repairs or repairs[edit.old][1] < edit.confidence:
                repairs[edit.old] = (edit.new, edit.confidence)
    return repairs


def slip_of(word: str, acronym: str) -> bool:
    """One letter dropped, added, changed or two swapped; both at least three letters long."""
    return len(word) >= 3 and len(acronym) >= 3 and word != acronym and OSA.distance(word, acronym) == 1


def repeat_repairs(paragraph: str, edits: Sequence[Edit], repairs: dict[str, tuple[str, float]]) -> list[Edit]:
    """New edits for acronyms in ``paragraph`` that repeat a repair or slip from its result."""
    repaired = {new: confidence for new, confidence in repairs.values()}
    out: list[Edit] = []
    for match in ACRONYM_TOKEN_RE.finditer(paragraph):
        word, start, end = match.group(), match.start(), match.end()
        if word in repaired or any(start < e.end and e.start < end for e in edits):
            continue
        if word in repairs:
            new, confidence = repairs[word]
        else:
            slips = sorted((c, new) for new, c in repaired.items() if slip_of(word, new))
            if len(slips) != 1:  # none, or ambiguous between two repaired acronyms
                continue
            confidence, new = slips[0][0] * SLIP_CONFIDENCE_FACTOR, slips[0][1]
        out.append(Edit(start, end, word, new, "glossary", round(confidence, 3)))
    return out


def propagate_acronyms(paragraphs: Sequence[str], edits: Sequence[Sequence[Edit]]) -> list[list[Edit]]:
    """Per paragraph, its edits plus the document's acronym repairs carried to it."""
    repairs = acronym_repairs(e for paragraph_edits in edits for e in paragraph_edits)
    if not repairs:
        return [list(e) for e in edits]
    out = []
    for paragraph, paragraph_edits in zip(paragraphs, edits):
        added = repeat_repairs(paragraph, paragraph_edits, repairs)
        out.append(sorted([*paragraph_edits, *added], key=lambda e: e.start))
    return out
